"""launch.toml carries the Procfile's commands byte for byte: backslashes, quotes, escape
sequences written as text, raw control characters and non-ASCII all come back exactly from the
vendored reader and from tomllib (as strict as the lifecycle's own TOML reader)."""
import pytest

from probes import restore_runtime, run, toml_parsers

ESC = "\x1b"

COMMANDS = [
    ("ansi printf as text", "printf '\\x1b[32mstarting\\x1b[0m\\n' && exec gunicorn app:app"),
    ("escaped backslash", "echo \\\\x41 \\u0041 \\\\"),
    ("raw escape byte", "printf '" + ESC + "[32mok" + ESC + "[0m'"),
    ("control characters", "echo \x01\x07\x08\x0b\x0c\x1c\x1f\x7f\tend"),
    ("quotes", "python -c \"print('a\\\"b', \\\"c\\\")\" 'it'\"'\"'s'"),
    ("non-ascii", "echo 'h\u00e9llo \u2713 \U0001d518 \u2028 \u0085 end'"),
]


def launch_processes(p):
    """launch.toml's processes as every reader sees them; the readers must agree."""
    text = p.read("launch.toml")
    seen = [parse(text)["processes"] for parse in toml_parsers()]
    assert all(s == seen[0] for s in seen), seen
    return seen[0]


@pytest.mark.parametrize("what, command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_procfile_commands_reach_launch_toml_exactly(phase, what, command):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "web: {}\nworker: python cli.py\n".format(command))
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert "Traceback" not in result.stdout
    assert launch_processes(p) == [
        {"type": "web", "command": ["bash", "-c", command], "args": [], "default": True},
        {"type": "worker", "command": ["bash", "-c", "python cli.py"], "args": [], "default": False},
    ]


def test_launch_toml_bytes_for_an_escape_sequence_written_as_text(phase):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "web: printf '\\x1b[32mstarting\\x1b[0m\\n' && exec gunicorn app:app\n")
    assert run(p).returncode == 0
    assert p.read("launch.toml") == (
        '[[processes]]\ntype = "web"\n'
        'command = [ "bash", "-c", "printf \'\\\\x1b[32mstarting\\\\x1b[0m\\\\n\' && exec gunicorn app:app",]\n'
        'args = []\ndefault = true\n\n')


def test_launch_toml_bytes_for_raw_control_characters(phase):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "web: echo \x1b\x7fx\n")
    assert run(p).returncode == 0
    assert p.read("launch.toml") == (
        '[[processes]]\ntype = "web"\ncommand = [ "bash", "-c", "echo \\u001B\\u007Fx",]\nargs = []\n'
        'default = true\n\n')


def test_a_crlf_procfile_gives_commands_without_carriage_returns(phase):
    p = phase("no_run_command")
    restore_runtime(p)
    with open(p.app + "/Procfile", "w", newline="") as f:
        f.write("web: python cli.py --a\r\nworker: gunicorn app:app\r\n")
    assert run(p).returncode == 0
    assert [proc["command"][2] for proc in launch_processes(p)] == ["python cli.py --a", "gunicorn app:app"]
