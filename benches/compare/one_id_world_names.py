"""The names on the records of an independent One-ID world (one_id_world.py).

Each person gets a Chinese name: a family name from the hundred most common
(weights falling as 1/rank, so 王, 李 and 张 are everywhere) and a given name
of one or two characters (weights falling as rank^-0.7, so namesakes such
as 张伟 are common). Each record then carries what a clerk typed, at shares
that differ by system:

  crm     the name; now and then a title alone (王先生), a blank, or a name
          that is not the person's (a nickname, a spouse's name)
  lead    the same, with far more titles alone and blanks (walk-ins, calls)
  order   the name, from the invoice; rarely a blank
  survey  mostly blank
  app     blank: a login carries no name

A share of the names typed in full are written in pinyin, given name first
("Wei Zhang"), as on a passport or an insurance policy. Homophone family
names (徐 and 许 are both "xu") stay as they are: a resolver that reads
names in pinyin cannot tell them apart, as it cannot in real data.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FAMILY_NAMES = (
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu 郭guo 何he "
    "高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng 邓deng 曹cao 彭peng 曾zeng 肖xiao "
    "田tian 董dong 袁yuan 潘pan 于yu 蒋jiang 蔡cai 余yu 杜du 叶ye 程cheng 苏su 魏wei 吕lv 丁ding 任ren 沈shen "
    "姚yao 卢lu 姜jiang 崔cui 钟zhong 谭tan 陆lu 汪wang 范fan 金jin 石shi 廖liao 贾jia 夏xia 韦wei 付fu 方fang "
    "白bai 邹zou 孟meng 熊xiong 秦qin 邱qiu 江jiang 尹yin 薛xue 闫yan 段duan 雷lei 侯hou 龙long 史shi 陶tao 黎li "
    "贺he 顾gu 毛mao 郝hao 龚gong 邵shao 万wan 钱qian 严yan 覃qin 武wu 戴dai 莫mo 孔kong 向xiang 汤tang"
).split()
GIVEN_CHARACTERS = (
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 涛tao 明ming 超chao 秀xiu "
    "霞xia 辉hui 鹏peng 浩hao 宇yu 鑫xin 波bo 华hua 平ping 刚gang 桂gui 英ying 玲ling 红hong 建jian 文wen 志zhi "
    "海hai 峰feng 亮liang 斌bin 飞fei 凯kai 俊jun 佳jia 欣xin 婷ting 雪xue 琳lin 晨chen 博bo 思si 雨yu 梓zi "
    "子zi 轩xuan 涵han 怡yi 萱xuan 晓xiao 春chun 国guo 成cheng 东dong 云yun 德de 荣rong 新xin 立li 嘉jia 瑞rui "
    "睿rui 泽ze 昊hao 然ran 天tian 宏hong 彬bin 丹dan 燕yan 萍ping 琴qin 慧hui 颖ying 莉li 倩qian 蕾lei 薇wei "
    "瑶yao 璐lu 晶jing 洁jie 兰lan 梅mei 凤feng 玉yu 珍zhen 翠cui 淑shu 永yong 庆qing 福fu 安an 家jia 振zhen "
    "宁ning 诗shi 可ke 一yi 若ruo 依yi 心xin"
).split()
TWO_CHARACTER_GIVEN_SHARE = 0.85
TITLES = ("先生", "女士")

# source: shares of (blank, title alone) before the profile's own knobs; the
# rest is the full name (or, at the profile's nickname share, another's).
BLANK_AND_TITLE = {
    "crm": (0.04, 0.25),  # the title share is a quarter of the profile's lead share
    "lead": (0.16, 1.0),
    "order": (0.03, 0.0),
    "survey": (0.85, 0.0),
    "app": (1.0, 0.0),
}
NICKNAMED_SOURCES = ("crm", "lead")


def _zipf_weights(count, exponent):
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def _split(entries):
    return pa.array([e[0] for e in entries]), pa.array([e[1:] for e in entries])


def record_names(record_person, record_source, source_names, persons, seed, profile) -> pa.Array:
    """Each record's name (NULL where blank), as a string array aligned with
    `record_person` (person numbers) and `record_source` (indices into
    `source_names`)."""
    rng = np.random.default_rng([seed, persons, 0x4E41_4D45])
    family_han, family_latin = _split(FAMILY_NAMES)
    given_han, given_latin = _split(GIVEN_CHARACTERS)
    family = rng.choice(len(FAMILY_NAMES), persons, p=_zipf_weights(len(FAMILY_NAMES), 1.0))
    given_weights = _zipf_weights(len(GIVEN_CHARACTERS), 0.7)
    first = rng.choice(len(GIVEN_CHARACTERS), persons, p=given_weights)
    second = rng.choice(len(GIVEN_CHARACTERS), persons, p=given_weights)
    has_second = rng.random(persons) < TWO_CHARACTER_GIVEN_SHARE

    def given(table):
        one = pc.take(table, pa.array(first))
        two = pc.binary_join_element_wise(one, pc.take(table, pa.array(second)), "")
        return pc.if_else(pa.array(has_second), two, one)

    family_of = pc.take(family_han, pa.array(family))
    han = pc.binary_join_element_wise(family_of, given(given_han), "")
    latin = pc.binary_join_element_wise(
        pc.utf8_capitalize(given(given_latin)), pc.utf8_capitalize(pc.take(family_latin, pa.array(family))), " "
    )
    titled = pc.binary_join_element_wise(
        family_of, pc.take(pa.array(TITLES), pa.array(rng.integers(0, len(TITLES), persons))), ""
    )

    n = len(record_person)
    draw = rng.random(n)
    blank = np.zeros(n, dtype=bool)
    title = np.zeros(n, dtype=bool)
    nickname = np.zeros(n, dtype=bool)
    sources = np.asarray(source_names)[record_source]
    for source, (blank_share, title_factor) in BLANK_AND_TITLE.items():
        at = sources == source
        title_share = profile.title_only_share * title_factor
        nickname_share = profile.nickname_share if source in NICKNAMED_SOURCES else 0.0
        blank[at] = draw[at] < blank_share
        title[at] = (draw[at] >= blank_share) & (draw[at] < blank_share + title_share)
        nickname[at] = (draw[at] >= blank_share + title_share) & (draw[at] < blank_share + title_share + nickname_share)
    # A nickname is another name altogether: some other person's.
    named_as = np.where(nickname, rng.integers(0, persons, n), record_person)
    in_latin = rng.random(n) < profile.latin_name_share
    person = pa.array(named_as)
    full = pc.if_else(pa.array(in_latin), pc.take(latin, person), pc.take(han, person))
    names = pc.if_else(pa.array(title), pc.take(titled, person), full)
    return pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), names)
