"""The Cloud Native Buildpacks spec (Buildpack API 0.10) and nothing else: phase contexts,
layer directories and their TOML, env files, launch.toml, exit codes (bin/detect, in POSIX sh,
writes the build plan itself).
Knows nothing about Python apps."""
