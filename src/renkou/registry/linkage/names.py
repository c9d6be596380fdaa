"""Chinese-name forms for linkage (姓名比对): the written form normalised (spaces and the
middle dot removed, traditional characters mapped to simplified) and the toneless pinyin
(pypinyin), so that 同音字 and variant characters compare equal in sound. Both are computed
once per distinct name of a run (:mod:`renkou.registry.linkage.persons`), the pinyin of each
character looked up once."""

from __future__ import annotations

import hashlib

# Traditional → simplified for characters common in names (a subset of the OpenCC tables).
TRAD_TO_SIMP = dict(zip(
    "劉陳楊趙黃吳孫鄭謝韓馮蕭許鄧傅瀋曾呂蘇盧蔣賈魏葉閻潘鍾姜範譚廖鄒熊陸龍萬顧"
    "偉剛勇軍東輝廣義興貴龍國勝學發飛順傑濤長達豐鳴鵬澤華惠鳳潔蓮雲環愛艷瑞"
    "嘉瓊勤珍貞莉葉璐婭晶倩嫻穎露瑤嬋蓓儀蘭夢嵐馨韻園藝詠聰瀾純悅爽羽飄滯馥靄曉歡"
    "楓蕓亞寶貝鴻樺驊劍嬌紀寬靈瑪睿爍雯萱閱彥宇緑藍兒煙紫賢蝶",
    "刘陈杨赵黄吴孙郑谢韩冯萧许邓傅沈曾吕苏卢蒋贾魏叶阎潘钟姜范谭廖邹熊陆龙万顾"
    "伟刚勇军东辉广义兴贵龙国胜学发飞顺杰涛长达丰鸣鹏泽华惠凤洁莲云环爱艳瑞"
    "嘉琼勤珍贞莉叶璐娅晶倩娴颖露瑶婵蓓仪兰梦岚馨韵园艺咏聪澜纯悦爽羽飘滞馥霭晓欢"
    "枫芸亚宝贝鸿桦骅剑娇纪宽灵玛睿烁雯萱阅彦宇绿蓝儿烟紫贤蝶", strict=True))
SIMP_TO_TRAD = {s: t for t, s in TRAD_TO_SIMP.items() if s != t}
SEPARATORS = " ·・.　"
_TABLE = str.maketrans({**{t: s for t, s in TRAD_TO_SIMP.items() if t != s},
                        **dict.fromkeys(SEPARATORS)})
_SOUND: dict[str, str] = {}


def normalise(name: str | None) -> str:
    """Written form for comparison: separators dropped, traditional → simplified."""
    return name.translate(_TABLE) if name else ""


def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one character (the character itself when it has none)."""
    got = _SOUND.get(ch)
    if got is None:
        from pypinyin import lazy_pinyin

        got = _SOUND[ch] = lazy_pinyin(ch)[0] if ch.strip() else ch
    return got


def pinyin(name: str) -> str:
    """Toneless pinyin of a normalised name, syllables joined by spaces, character by
    character (a name is not a phrase)."""
    return " ".join([char_pinyin(ch) for ch in name])


def person_key(id_number: str) -> str:
    """Key of a person in ``truth/links.csv``: a hash of the true ID number (the truth file
    carries no ID number in clear)."""
    return hashlib.sha256(id_number.encode("ascii")).hexdigest()[:20]


def person_key_sql(expr: str) -> str:
    """:func:`person_key` in DuckDB SQL."""
    return f"left(sha256({expr}), 20)"
