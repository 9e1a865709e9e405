from core.languages import all_languages, language_by_code, parse_languages


def names(text: str) -> list[str]:
    return [lang.name for lang in parse_languages(text).found]


def test_lists_in_many_shapes() -> None:
    assert names("English, Hindi and Tamil") == ["English", "Hindi", "Tamil"]
    assert names("english hindi") == ["English", "Hindi"]
    assert names("हिन्दी / English") == ["Hindi", "English"]
    assert names("English, english") == ["English"]


def test_typo_is_corrected_only_when_clear() -> None:
    assert names("englsh") == ["English"]
    parsed = parse_languages("Klingon")
    assert parsed.found == ()
    assert parsed.unknown == ("Klingon",)
    assert parsed.suggestions.get("Klingon", ()) == ()


def test_short_unknown_word_is_not_guessed() -> None:
    parsed = parse_languages("xyz")
    assert parsed.unknown == ("xyz",)
    assert parsed.found == ()


def test_catalogue() -> None:
    assert len(all_languages()) >= 50
    lang = language_by_code("hi")
    assert lang is not None and lang.name == "Hindi"
    assert language_by_code("zz") is None
