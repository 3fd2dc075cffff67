from blog.rendering import render_markdown


def test_markdown_becomes_html():
    assert render_markdown("A **bold** claim.") == "<p>A <strong>bold</strong> claim.</p>"


def test_script_tags_are_dropped():
    html = render_markdown("Before <script>alert('x')</script> after")

    assert "<script" not in html
    assert "alert(" not in html


def test_event_handlers_are_dropped():
    html = render_markdown('<img src="x" onerror="alert(1)"> <a href="/" onclick="steal()">a</a>')

    assert "onerror" not in html
    assert "onclick" not in html


def test_javascript_links_are_dropped():
    html = render_markdown("[click](javascript:alert(1))")

    assert "javascript:" not in html


def test_links_are_marked_nofollow():
    html = render_markdown("[Yonhap](https://en.yna.co.kr/)")

    assert 'href="https://en.yna.co.kr/"' in html
    assert 'rel="noopener nofollow"' in html


def test_markdown_blockquotes_and_lists_survive():
    html = render_markdown("> quoted\n\n- one\n- two")

    assert "<blockquote>" in html
    assert "<li>one</li>" in html
