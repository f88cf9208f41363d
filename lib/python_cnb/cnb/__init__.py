"""The Cloud Native Buildpacks spec (Buildpack API 0.10) and nothing else: phase contexts,
layer directories and their TOML, env files, launch.toml, the build plan, exit codes.
Knows nothing about Python apps."""
