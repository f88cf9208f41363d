"""Exit codes the Buildpack API gives meaning to."""

DETECT_PASS = 0
DETECT_FAIL = 100  # "this buildpack does not apply"; anything else is an error
BUILD_FAILED = 1
