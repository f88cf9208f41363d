"""The environment the build hands its tools and the app's hooks: <platform>/env applied once,
as the lifecycle applies it (layer path variables prepended, never replacing the build's), the
dependencies' console scripts on PATH after they are installed, hooks run as the classic
buildpack ran them, and ${VAR} in requirements expanded as pip expands it."""
import os

from test_local_packages import git, package

PATH_LIKE = {"PATH": "/opt/tools/bin", "LD_LIBRARY_PATH": "/opt/tools/lib", "LIBRARY_PATH": "/opt/tools/lib",
             "CPATH": "/opt/tools/include", "PKG_CONFIG_PATH": "/opt/tools/pkgconfig",
             "PYTHONPATH": "/opt/tools/python"}

PRINT_ENV = "".join('echo "{0}=${0}"\n'.format(name) for name in sorted(PATH_LIKE))


def hook(p, name, text, mode=0o755):
    path = os.path.join(p.app, "bin", name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def scripted_repo(root):
    """A git repository holding a package with a console script, `gitpkg-hello`."""
    repo = package(root, "gitpkg", "hello-from-gitpkg")
    with open(os.path.join(repo, "pyproject.toml"), "a") as f:
        f.write('\n[project.scripts]\ngitpkg-hello = "gitpkg:hello"\n')
    with open(os.path.join(repo, "src", "gitpkg", "__init__.py"), "a") as f:
        f.write("\ndef hello():\n    print('gitpkg-hello says', GREETING)\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def test_user_path_like_variables_come_first_and_keep_the_builds(phase, tmp_path):
    """`pack build --env PATH=/opt/tools/bin` used to replace PATH: git (for the VCS requirement),
    bash (for hooks) were then "not found"."""
    p = phase("build_hooks")
    repo = scripted_repo(str(tmp_path / "repos"))
    for name, value in PATH_LIKE.items():
        p.set_env(name, value)
    # settings from a developer's machine that would refuse pip's user scheme (the layer's layout)
    p.set_env("PIP_REQUIRE_VIRTUALENV", "1")
    p.set_env("PYTHONNOUSERSITE", "1")
    p.write("requirements.txt", "six==1.16.0\n-e git+file://{}#egg=gitpkg\n".format(repo))
    hook(p, "pre_compile", "#!/bin/sh\n" + PRINT_ENV)
    result = p.build()
    assert result.returncode == 0, result.stdout
    base = p.env()["PATH"].split(":", 1)[1]  # what the lifecycle gave, after the user's /opt/tools/bin
    layers = p.layers
    assert ("[Hook: bin/pre_compile]\n"
            "      CPATH=/opt/tools/include\n"
            "      LD_LIBRARY_PATH={l}/python/lib:/opt/tools/lib\n"
            "      LIBRARY_PATH=/opt/tools/lib\n"
            "      PATH={l}/dependencies/bin:{l}/python/bin:/opt/tools/bin:{base}\n"
            "      PKG_CONFIG_PATH=/opt/tools/pkgconfig\n"
            "      PYTHONPATH=/opt/tools/python\n").format(l=layers, base=base) in result.stdout


def test_post_compile_runs_the_dependencies_console_scripts(phase, tmp_path):
    p = phase("build_hooks")
    repo = scripted_repo(str(tmp_path / "repos"))
    p.write("requirements.txt", "six==1.16.0\n-e git+file://{}#egg=gitpkg\n".format(repo))
    hook(p, "post_compile", "#!/bin/sh\ngitpkg-hello\n")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "[Hook: bin/post_compile]\n      gitpkg-hello says hello-from-gitpkg\n" in result.stdout


def test_hooks_without_a_shebang_run_with_the_shell(phase):
    """An executable hook with no #! line ended in `Exec format error` (an internal error, exit 70)."""
    p = phase("build_hooks")
    hook(p, "pre_compile", "echo pre_compile through $(basename $BASH)\n")
    hook(p, "post_compile", "set -e\n[ -n \"$BASH_VERSION\" ] && echo post_compile in bash\n", mode=0o644)
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "[Hook: bin/pre_compile]\n      pre_compile through bash\n" in result.stdout
    assert "[Hook: bin/post_compile]\n      post_compile in bash\n" in result.stdout


def test_hook_errors_name_the_cause(phase):
    p = phase("build_hooks")
    hook(p, "pre_compile", "#!/bin/sh\r\necho hi\r\n")
    crlf = p.build()
    assert crlf.returncode == 1
    assert crlf.stdout.endswith(
        "\n[Error] bin/pre_compile has Windows (CRLF) line endings: neither bash nor the interpreter its first line "
        "names can run it as it is.\n"
        "  Save it with Unix (LF) line endings, e.g. `dos2unix bin/pre_compile`, and set `git config core.autocrlf "
        "input` before committing it.\n")
    hook(p, "pre_compile", "#!/usr/local/bin/no-such-shell\necho hi\n")
    missing = p.build()
    assert missing.returncode == 1
    assert missing.stdout.endswith(
        "\n[Error] bin/pre_compile runs with /usr/local/bin/no-such-shell, which the build image does not have.\n"
        "  Use an interpreter the build image has (e.g. #!/usr/bin/env bash, or #!/usr/bin/env python for the "
        "app's Python).\n")
    hook(p, "pre_compile", "#!/usr/bin/env no-such-tool\necho hi\n")
    off_path = p.build()
    assert off_path.returncode == 1
    assert off_path.stdout.endswith(
        "\n[Error] bin/pre_compile runs with no-such-tool, which is not on the build's PATH.\n"
        "  Use an interpreter the build image or an earlier step provides (bash, sh, python), or install it in an "
        "earlier buildpack.\n")
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))


def test_requirements_expand_environment_variables_as_pip_does(phase, tmp_path):
    """`-e git+${PKG_URL}#egg=x` was classified before expansion: "a local path that does not exist"."""
    p = phase("build_hooks")
    repo = scripted_repo(str(tmp_path / "repos"))
    p.set_env("GITPKG_REPO", repo)
    p.set_env("SIX_VERSION", "1.16.0")
    p.write("requirements.txt", "six==${SIX_VERSION}\n-e git+file://${GITPKG_REPO}#egg=gitpkg\n")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "****" not in result.stdout
    assert "gitpkg" in open(os.path.join(p.layers, "dependencies.toml")).read()
    again = p.build()
    assert "  Reusing dependencies" in again.stdout
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    changed = p.build()
    assert "  Rebuilding dependencies: git+file://{}#egg=gitpkg changed\n".format(repo) in changed.stdout
