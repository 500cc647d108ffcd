import pytest

from shipbot.domain.transliteration import has_cyrillic, transliterate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Щукин", "Shchukin"),
        ("ЩУКИН", "SHCHUKIN"),
        ("щукин", "shchukin"),
        ("Иван Петров", "Ivan Petrov"),
        ("ИВАН ПЕТРОВ", "IVAN PETROV"),
        ("Жуков", "Zhukov"),
        ("Хабаровск", "Khabarovsk"),
        ("Цветаева", "Tsvetaeva"),
        ("Чехов", "Chekhov"),
        ("Шишкин", "Shishkin"),
        ("Юлия", "Yuliya"),
        ("Яна", "Yana"),
        ("Ёлкин", "Yolkin"),
        ("Андрей", "Andrey"),
        ("Крылов", "Krylov"),
        ("Эдуард", "Eduard"),
        ("Объект", "Obekt"),
        ("Ильич", "Ilich"),
        ("Елена", "Elena"),
        ("Київ", "Kiyiv"),
        ("Євген Ґудзь", "Yevgen Gudz"),
        ("ул. Ленина, д. 5", "ul. Lenina, d. 5"),
        ("Щ", "Shch"),
        ("ИЩ", "ISHCH"),
        ("Ivan Петров 42", "Ivan Petrov 42"),
    ],
)
def test_transliterate(text, expected):
    assert transliterate(text) == expected


@pytest.mark.parametrize("text", ["John Smith", "", "José", "北京", "😀 <b>x</b>"])
def test_non_cyrillic_passes_through(text):
    assert transliterate(text) == text
    assert not has_cyrillic(text)


def test_has_cyrillic():
    assert has_cyrillic("Smith Иван")
    assert has_cyrillic("ё")
