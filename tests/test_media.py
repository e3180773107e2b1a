import pytest

from pipeline.media import local_target, references


def test_references_finds_links_images_and_media_in_order():
    html = (
        '<a href="a.html">x</a><img src="i.png" alt=""><video poster="p.jpg" src="v.mp4"></video>'
    )
    assert references(html) == ["a.html", "i.png", "v.mp4", "p.jpg"]


@pytest.mark.parametrize(
    ("url", "page", "target"),
    [
        ("img/a.png", "docs/page.html", "docs/img/a.png"),
        ("../b.html#part", "docs/page.html", "b.html"),
        ("/root.css", "docs/deep/page.html", "root.css"),
        ("sub/", "page.html", "sub/index.html"),
        ("my%20file.pdf?x=1", "page.html", "my file.pdf"),
        ("../../x.png", "docs/page.html", "../x.png"),
        ("https://example.com/a.png", "page.html", None),
        ("mailto:me@example.com", "page.html", None),
        ("//cdn.example.com/x.js", "page.html", None),
        ("#section", "page.html", None),
    ],
)
def test_local_target_resolves_relative_to_the_page(url, page, target):
    assert local_target(url, page) == target
