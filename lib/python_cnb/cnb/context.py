"""What the lifecycle hands a buildpack in each phase (Buildpack API 0.10 and later; this buildpack
declares 0.11): env vars, the working directory is the app, no positional arguments."""
import contextlib
import os
import platform
from typing import Dict, Mapping, NamedTuple, Optional, Tuple

from ..errors import BuildpackError

# uname machine names -> CNB arch names, for platforms too old to pass CNB_TARGET_ARCH
_ARCH_NAMES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class Target(NamedTuple):
    """The image a build is for: CNB_TARGET_* (Platform API 0.12+), else CNB_STACK_ID."""

    os: str
    arch: str
    distro_name: str
    distro_version: str
    stack_id: str

    def describe(self) -> str:
        distro = "{} {}".format(self.distro_name, self.distro_version).strip() or (
            "stack " + self.stack_id if self.stack_id else "unknown distro")
        return "{} ({}/{})".format(distro, self.os, self.arch)


def read_target(env: Mapping[str, str], os_release: str = "/etc/os-release") -> Target:
    arch = env.get("CNB_TARGET_ARCH") or _ARCH_NAMES.get(platform.machine(), platform.machine())
    distro_name = env.get("CNB_TARGET_DISTRO_NAME", "")
    distro_version = env.get("CNB_TARGET_DISTRO_VERSION", "")
    stack_id = env.get("CNB_STACK_ID", "")
    if not distro_name and not stack_id:
        # A run image without distro labels: the build image is of the same distro.
        distro_name, distro_version = _os_release(os_release)
    return Target(env.get("CNB_TARGET_OS") or "linux", arch, distro_name, distro_version, stack_id)


def _os_release(path: str) -> Tuple[str, str]:
    fields = {}
    with contextlib.suppress(OSError), open(path, encoding="utf-8") as f:
        for key, _, value in (line.strip().partition("=") for line in f):
            fields[key] = value.strip('"')
    return fields.get("ID", ""), fields.get("VERSION_ID", "")


def _required(env: Mapping[str, str], name: str, phase: str) -> str:
    value = env.get(name)
    if not value:
        raise BuildpackError(
            "{} is not set, so bin/{} was not started by a CNB lifecycle.".format(name, phase),
            hint="Run the buildpack through a platform such as `pack build` or kpack.",
        )
    return value


class BuildContext(NamedTuple):
    app_dir: str
    buildpack_dir: str
    layers_dir: str
    platform_dir: str
    target: Target
    # The process env as the lifecycle gives it: <platform>/env already applied (buildpack.toml
    # leaves clear-env false), PATH-like variables prepended, others overridden. Applying those
    # files again here would replace the build's PATH with the user's.
    env: Dict[str, str]
    plan_path: str = ""  # this buildpack's plan: what it and later buildpacks asked for

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "BuildContext":
        environ = dict(os.environ if environ is None else environ)
        platform_dir = _required(environ, "CNB_PLATFORM_DIR", "build")
        here = os.path.dirname(os.path.abspath(__file__))
        return cls(
            app_dir=os.getcwd(),
            buildpack_dir=environ.get("CNB_BUILDPACK_DIR") or os.path.abspath(os.path.join(here, "..", "..", "..")),
            layers_dir=_required(environ, "CNB_LAYERS_DIR", "build"),
            platform_dir=platform_dir,
            target=read_target(environ),
            env=environ,
            plan_path=environ.get("CNB_BP_PLAN_PATH", ""),
        )
