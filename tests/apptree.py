"""An app directory written from a {relative path: text} mapping, for tests of app analysis."""


def write_app(root, files) -> str:
    """root: a pathlib.Path (pytest's tmp_path); returns its path as a string."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root)
