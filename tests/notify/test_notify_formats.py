"""The number guard and splitting to a robot's byte limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from branchflow.notify.formats import CONTINUED, guard, has_full_number, split_text, utf8_len


def test_guard_masks_mobiles_and_id_numbers_however_written() -> None:
    text = "客户 13812345678、138-1234-5678、138 1234 5678，身份证 52032819900101123X 和 520328199001011234"
    assert guard(text) == (
        "客户 138****5678、138****5678、138****5678，身份证 520328********123X 和 520328********1234"
    )
    assert not has_full_number(guard(text))


def test_guard_leaves_other_numbers_alone() -> None:
    text = "共 12 处错误；单号 2026112612345678901234；座机 0769-22334455；已遮 138****5678"
    assert guard(text) == text


def test_split_keeps_lines_whole_and_every_piece_within_the_limit() -> None:
    lines = [f"{n}. 客户档案!E{n} 手机号码：应为 11 位手机号码，请核对后重填" for n in range(1, 80)]
    pieces = split_text("\n".join(lines), 2048)
    assert len(pieces) > 1
    assert all(utf8_len(p) <= 2048 for p in pieces)
    assert all(p.startswith(CONTINUED + "\n") for p in pieces[1:])
    rejoined = [line for p in pieces for line in p.split("\n") if line != CONTINUED]
    assert rejoined == lines


def test_a_line_longer_than_a_message_is_cut_between_characters_after_punctuation() -> None:
    line = "，".join(["东莞分中心客户档案第十一月份登记表"] * 200)
    pieces = split_text(line, 512)
    assert all(utf8_len(p) <= 512 for p in pieces)
    assert "".join(p.removeprefix(CONTINUED + "\n") for p in pieces) == line
    assert all(p.endswith("，") for p in pieces[:-1])


@given(st.text(alphabet=st.sampled_from("分中心客户ab 1\n，。😀"), max_size=3000),
       st.integers(min_value=64, max_value=2048))  # fmt: skip
def test_split_never_exceeds_the_limit_or_loses_text(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(utf8_len(p) <= limit for p in pieces)
    joined = "".join(p.removeprefix(CONTINUED + "\n") for p in pieces)
    assert joined.replace("\n", "").replace(" ", "") == text.strip("\n").replace("\n", "").replace(
        " ", ""
    )
