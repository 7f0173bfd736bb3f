"""The tokenizer behind the module rewrite: literals are opaque, errors carry an offset."""

from __future__ import annotations

import pytest

from appsync.js.lexer import LexError, line_column, tokenize


def texts(source: str) -> list[str]:
    return [token.text for token in tokenize(source)]


class TestTokens:
    def test_names_punctuators_and_literals(self) -> None:
        assert texts("const a = b?.c ?? 'x';") == [
            "const", "a", "=", "b", "?.", "c", "??", "'x'", ";",
        ]  # fmt: skip

    def test_longest_punctuator_wins(self) -> None:
        assert texts("a >>>= b === c ... d") == ["a", ">>>=", "b", "===", "c", "...", "d"]

    def test_comments_and_whitespace_are_dropped(self) -> None:
        assert texts("a // import x from 'y'\n/* export default */ b") == ["a", "b"]

    def test_a_string_is_one_token_even_with_keywords_and_escapes(self) -> None:
        literal = '"import \\"y\\" from \'z\'"'
        assert texts(f"x = {literal};") == ["x", "=", literal, ";"]

    def test_a_template_with_nested_substitutions_is_one_token(self) -> None:
        source = "t = `a ${ {b: `c ${d}`}.b } import`; e"
        tokens = tokenize(source)
        assert [t.kind for t in tokens] == ["name", "punct", "template", "punct", "name"]
        assert tokens[2].text == "`a ${ {b: `c ${d}`}.b } import`"

    def test_numbers(self) -> None:
        assert [t.kind for t in tokenize("1 1.5 .5 1e-3 0xff 10n")] == ["number"] * 6

    def test_slash_is_a_regex_after_an_operator_and_division_after_an_operand(self) -> None:
        regex = tokenize("x = /'[/]'/g")
        assert [t.kind for t in regex] == ["name", "punct", "regex"]
        assert regex[2].text == "/'[/]'/g"
        assert [t.kind for t in tokenize("a / b / c")] == ["name", "punct", "name", "punct", "name"]
        assert [t.kind for t in tokenize("f(x) / 2")][-2:] == ["punct", "number"]

    def test_newline_before_is_recorded(self) -> None:
        tokens = tokenize("a\nb c /* \n */ d")
        assert [t.newline_before for t in tokens] == [False, True, False, True]

    def test_offsets_point_into_the_source(self) -> None:
        source = "let  value = 'v'"
        for token in tokenize(source):
            assert source[token.start : token.end] == token.text


class TestErrors:
    @pytest.mark.parametrize(
        ("source", "message", "offset"),
        [
            ("x = 'abc\n", "Unterminated string literal", 4),
            ('x = "abc', "Unterminated string literal", 4),
            ("x = `abc ${y}", "Unterminated template literal", 4),
            ("x = `${ y ", "Unterminated template literal", 10),
            ("/* never closed", "Unterminated comment", 0),
            ("x = /abc\n", "Unterminated regular expression", 4),
        ],
    )
    def test_unterminated(self, source: str, message: str, offset: int) -> None:
        with pytest.raises(LexError) as caught:
            tokenize(source)
        assert caught.value.message == message
        assert caught.value.offset == offset

    def test_stray_character(self) -> None:
        with pytest.raises(LexError, match="Invalid or unexpected token"):
            tokenize("a \u0000 b")


def test_line_column_is_one_based() -> None:
    source = "ab\ncd\nef"
    assert line_column(source, 0) == (1, 1)
    assert line_column(source, 4) == (2, 2)
    assert line_column(source, 6) == (3, 1)
