"""Every credential form a URL can carry, masked where printed and removed where stored."""
import pytest

from python_cnb.credentials import shown
from python_cnb.log import mask
from python_cnb.url_secrets import has_credentials, masked, stored


@pytest.mark.parametrize("text, printed, kept", [
    # userinfo: user and password, a token as the user, a token as the password
    ("https://user:p%40ss@pypi.example.org/simple", "https://****@pypi.example.org/simple",
     "https://pypi.example.org/simple"),
    ("git+https://ghp_T0KEN@github.com/o/r.git@v1#egg=r", "git+https://****@github.com/o/r.git@v1#egg=r",
     "git+https://github.com/o/r.git@v1#egg=r"),
    ("git+https://oauth2:glpat-T0KEN@gitlab.com/g/r", "git+https://****@gitlab.com/g/r",
     "git+https://gitlab.com/g/r"),
    ("https://u:a@b:c d@host:8443/x", "https://****@host:8443/x", "https://host:8443/x"),
    # query and fragment parameters holding a secret by name
    ("https://idx.example.org/nltk.xml?token=T0KEN", "https://idx.example.org/nltk.xml?token=****",
     "https://idx.example.org/nltk.xml?token=****"),
    ("https://h/i?lang=en&access_token=T0KEN&v=2", "https://h/i?lang=en&access_token=****&v=2",
     "https://h/i?lang=en&access_token=****&v=2"),
    ("https://b.s3.amazonaws.com/p.whl?X-Amz-Credential=AKIA1%2F2&X-Amz-Signature=abc123&X-Amz-Expires=60",
     "https://b.s3.amazonaws.com/p.whl?X-Amz-Credential=****&X-Amz-Signature=****&X-Amz-Expires=60",
     "https://b.s3.amazonaws.com/p.whl?X-Amz-Credential=****&X-Amz-Signature=****&X-Amz-Expires=60"),
    ("https://a.blob.core.windows.net/c/p.tgz?sv=2022&sig=S1G%3D", "https://a.blob.core.windows.net/c/p.tgz?sv=2022&sig=****",
     "https://a.blob.core.windows.net/c/p.tgz?sv=2022&sig=****"),
    ("https://gitlab.com/api/v4/projects/1/packages/pypi/simple?private_token=T0KEN",
     "https://gitlab.com/api/v4/projects/1/packages/pypi/simple?private_token=****",
     "https://gitlab.com/api/v4/projects/1/packages/pypi/simple?private_token=****"),
    ("https://app.example.org/cb#access_token=T0KEN&state=1", "https://app.example.org/cb#access_token=****&state=1",
     "https://app.example.org/cb#access_token=****&state=1"),
    ("https://u:p@h/x?api_key=K", "https://****@h/x?api_key=****", "https://h/x?api_key=****"),
    # no credential: nothing changes, nothing masked where none was
    ("https://pypi.org/simple?format=json", "https://pypi.org/simple?format=json", "https://pypi.org/simple?format=json"),
    ("git+ssh://git@github.com/o/r.git@0.44.0#egg=r", "git+ssh://git@github.com/o/r.git@0.44.0#egg=r",
     "git+ssh://git@github.com/o/r.git@0.44.0#egg=r"),
    ("ssh://git@host/r", "ssh://git@host/r", "ssh://git@host/r"),
    ("git+https://github.com/o/r@0.44.0#egg=x", "git+https://github.com/o/r@0.44.0#egg=x",
     "git+https://github.com/o/r@0.44.0#egg=x"),
    ("https://h/i?token=", "https://h/i?token=", "https://h/i?token="),
])
def test_every_credential_form(text, printed, kept):
    assert masked(text) == printed
    assert mask(text) == printed
    assert shown(text) == printed
    assert stored(text) == kept
    assert has_credentials(text) == (printed != text)


def test_an_ssh_password_is_a_secret():
    assert masked("git+ssh://git:hunter2@host/r") == "git+ssh://****@host/r"


def test_credentials_in_a_line_of_tool_output_are_masked_each():
    line = "Looking in indexes: https://pypi.org/simple, https://u:T0KEN@idx.example.org/simple?token=T0KEN"
    assert masked(line) == ("Looking in indexes: https://pypi.org/simple, https://****@idx.example.org/simple"
                            "?token=****")


def test_punctuation_after_a_url_is_kept():
    assert masked("from https://h/i.xml?token=T0K: a, b") == "from https://h/i.xml?token=****: a, b"
    assert masked("(see https://h/?sig=abc).") == "(see https://h/?sig=****)."


def test_stored_is_stable_when_only_the_token_changes():
    assert stored("https://a:1@h/x?sig=1") == stored("https://b:2@h/x?sig=2")
