"""python-cnb: a Cloud Native Buildpack for Python web apps."""
