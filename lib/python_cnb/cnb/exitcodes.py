"""Exit codes: those the Buildpack API gives meaning to, and the buildpack's own."""

# bin/detect (POSIX sh) exits with these two itself.
DETECT_PASS = 0
DETECT_FAIL = 100  # "this buildpack does not apply"; anything else is an error
BUILD_FAILED = 1   # an expected failure, explained by an [Error] block
INTERNAL_ERROR = 70  # a bug in the buildpack (EX_SOFTWARE): the [Error] block asks for a report
STOPPED_BY_SIGNAL = 128  # plus the signal's number, as a shell reports a process a signal ended
