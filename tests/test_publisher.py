"""params/publisher.yaml: the shipped file, the checks (Swedish messages naming the file) and escaped rendering."""

from __future__ import annotations

import pytest

from fgte_research import publisher as P


def test_shipped_file_names_the_collaboration_and_leaves_contact_to_the_user():
    info = P.load_publisher()
    assert info["publisher"].startswith("FGTE-samverkan")
    for member in ("Kungsbacka", "Varberg", "Halmstad", "Laholm", "Hylte", "Region Halland", "Högskolan i Halmstad"):
        assert member in info["publisher"]
    assert info["contact"] == "" and info["url"] == "", "no invented contact: the user fills it in"
    assert P.publisher_path().name == "publisher.yaml"


def test_reads_from_the_params_dir(tmp_path, monkeypatch):
    (tmp_path / "publisher.yaml").write_text('publisher: "Egen utgivare"\ncontact: "x@example.org"\n',
                                             encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(tmp_path))
    assert P.load_publisher() == {"publisher": "Egen utgivare", "contact": "x@example.org", "url": ""}


@pytest.mark.parametrize("text,problem", [
    ("publisher: [\n", "kan inte läsas som YAML"),
    ("- en lista\n", "YAML-mappning"),
    ('publisher: "A"\nkontakt: "b"\n', "okänt fält kontakt"),
    ("publisher: 12\n", "fältet publisher måste vara text"),
    ('publisher: "A"\ncontact: 46701234567\n', "fältet contact måste vara text"),
    ('publisher: ""\n', "fältet publisher saknas eller är tomt"),
    ('publisher: "A"\nurl: "javascript:alert(1)"\n', "https://"),
])
def test_bad_file_gives_swedish_message_naming_the_file(tmp_path, text, problem):
    path = tmp_path / "publisher.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(P.PublisherError) as err:
        P.load_publisher(path)
    assert str(path) in str(err.value) and problem in str(err.value)
    assert str(err.value).startswith("Fel i ")


def test_missing_file(tmp_path):
    with pytest.raises(P.PublisherError) as err:
        P.load_publisher(tmp_path / "publisher.yaml")
    assert "finns inte" in str(err.value) and "publisher.yaml" in str(err.value)


def test_rendering_escapes_and_shows_contact_only_when_given():
    evil = {"publisher": "<script>alert(1)</script> & co", "contact": "", "url": ""}
    html = P.publisher_html(evil)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "Kontakt" not in html and "Kontakt" not in P.publisher_sv(evil)
    given = {"publisher": "FGTE", "contact": '<img src=x onerror="alert(1)">', "url": 'https://ex.se/?a="b"'}
    html = P.publisher_html(given)
    assert "Kontakt: &lt;img src=x onerror=&quot;alert(1)&quot;&gt;." in html
    assert 'href="https://ex.se/?a=&quot;b&quot;"' in html
    assert P.publisher_sv(given).startswith("Utgivare: FGTE. Kontakt: ")
