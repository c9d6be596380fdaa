"""Chinese-name forms for linkage (姓名比对): the written form normalised (spaces and the
middle dot removed, traditional characters mapped to simplified) and the toneless pinyin
(pypinyin), so that 同音字 and variant characters compare equal in sound."""

from __future__ import annotations

import hashlib
from functools import lru_cache

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


def normalise(name: str | None) -> str:
    """Written form for comparison: separators dropped, traditional → simplified."""
    if not name:
        return ""
    return "".join(TRAD_TO_SIMP.get(ch, ch) for ch in name if ch not in SEPARATORS)


@lru_cache(maxsize=65536)
def pinyin(name: str) -> str:
    """Toneless pinyin of a normalised name, syllables joined by spaces."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name)) if name else ""


def person_key(id_number: str) -> str:
    """Key of a person in ``truth/links.csv``: a hash of the true ID number (the truth file
    carries no ID number in clear)."""
    return hashlib.sha256(id_number.encode("ascii")).hexdigest()[:20]
