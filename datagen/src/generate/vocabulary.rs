//! The words the generated dataset is made of.

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳", "司马",
];
/// The first character of a given name. Most given names have a second,
/// from [`GIVEN_SECOND`]: 30 × 64 given names under 32 surnames make about
/// 60,000 full names, so namesakes in one city are as rare as in a real
/// population's (where 960 names would make every tenth person's name shared
/// by dozens in their city, and no matcher could tell them apart).
pub const GIVEN_NAMES: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "建", "志", "晓", "子", "欣", "浩", "梓", "宇",
];
/// How each of [`SURNAMES`] is romanised on an ID card or a policy typed in
/// Latin letters, in the same order.
pub const SURNAME_PINYIN: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
    "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Zheng", "Liang", "Xie", "Song", "Tang", "Xu", "Han", "Feng",
    "Deng", "Cao", "Ouyang", "Sima",
];
/// How each of [`GIVEN_NAMES`] is romanised, in the same order.
pub const GIVEN_PINYIN: &[&str] = &[
    "Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong", "Yan", "Jie", "Juan",
    "Tao", "Ming", "Chao", "Xiu", "Xia", "Ping", "Gang", "Gui", "Jian", "Zhi", "Xiao", "Zi", "Xin", "Hao",
    "Zi", "Yu",
];
/// The second character of a given name and its pinyin, written after the
/// first one's in one word ("Xiuying").
pub const GIVEN_SECOND: &[(&str, &str)] = &[
    ("英", "ying"),
    ("华", "hua"),
    ("强", "qiang"),
    ("东", "dong"),
    ("涵", "han"),
    ("怡", "yi"),
    ("然", "ran"),
    ("萱", "xuan"),
    ("轩", "xuan"),
    ("明", "ming"),
    ("辉", "hui"),
    ("玲", "ling"),
    ("婷", "ting"),
    ("文", "wen"),
    ("宁", "ning"),
    ("颖", "ying"),
    ("琳", "lin"),
    ("鹏", "peng"),
    ("飞", "fei"),
    ("峰", "feng"),
    ("国", "guo"),
    ("红", "hong"),
    ("丹", "dan"),
    ("兰", "lan"),
    ("梅", "mei"),
    ("燕", "yan"),
    ("波", "bo"),
    ("斌", "bin"),
    ("林", "lin"),
    ("龙", "long"),
    ("海", "hai"),
    ("云", "yun"),
    ("凯", "kai"),
    ("佳", "jia"),
    ("倩", "qian"),
    ("雪", "xue"),
    ("阳", "yang"),
    ("晨", "chen"),
    ("博", "bo"),
    ("远", "yuan"),
    ("鑫", "xin"),
    ("婕", "jie"),
    ("琪", "qi"),
    ("瑶", "yao"),
    ("嘉", "jia"),
    ("睿", "rui"),
    ("航", "hang"),
    ("楠", "nan"),
    ("洁", "jie"),
    ("萍", "ping"),
    ("欢", "huan"),
    ("雯", "wen"),
    ("俊", "jun"),
    ("毅", "yi"),
    ("彤", "tong"),
    ("蕾", "lei"),
    ("媛", "yuan"),
    ("坤", "kun"),
    ("荣", "rong"),
    ("鸣", "ming"),
    ("亮", "liang"),
    ("芬", "fen"),
    ("莹", "ying"),
    ("帆", "fan"),
];
/// Characters an input method offers for the same sound: the typo a clerk
/// makes picking the first candidate.
pub const HOMOPHONES: &[(char, char)] = &[
    ('张', '章'),
    ('王', '汪'),
    ('李', '黎'),
    ('刘', '柳'),
    ('杨', '阳'),
    ('黄', '皇'),
    ('吴', '伍'),
    ('周', '舟'),
    ('徐', '许'),
    ('林', '琳'),
    ('伟', '玮'),
    ('芳', '方'),
    ('娜', '纳'),
    ('敏', '民'),
    ('静', '晶'),
    ('丽', '莉'),
    ('强', '蔷'),
    ('磊', '垒'),
    ('军', '君'),
    ('洋', '阳'),
    ('勇', '永'),
    ('艳', '燕'),
    ('杰', '洁'),
    ('娟', '鹃'),
    ('涛', '韬'),
    ('明', '铭'),
    ('超', '潮'),
    ('霞', '侠'),
    ('平', '萍'),
    ('刚', '钢'),
    ('华', '桦'),
    ('东', '冬'),
];
/// Districts and roads of the generated addresses.
pub const DISTRICTS: &[&str] = &[
    "东城区",
    "西城区",
    "朝阳区",
    "海淀区",
    "浦东新区",
    "徐汇区",
    "天河区",
    "南山区",
    "武侯区",
    "西湖区",
    "鼓楼区",
    "江汉区",
    "雁塔区",
    "高新区",
    "经开区",
    "新城区",
];
pub const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "胜利路",
    "文化路",
    "长江路",
    "黄河路",
    "青年路",
    "光明路",
    "学府路",
    "滨江路",
    "花园路",
    "工业路",
];
/// Pinyin-like stems for email local parts.
pub const EMAIL_STEMS: &[&str] = &[
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
    "hu", "guo", "he", "lin", "luo", "gao",
];
pub const EMAIL_DOMAINS: &[&str] = &[
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "gmail.com",
    "outlook.com",
    "139.com",
];
/// Mobile prefixes handed to persons; 199 is kept for salespeople's phones.
pub const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "158",
    "159", "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "191",
];
pub const SHARED_PHONE_PREFIX: &str = "199";

/// (city, region) for stores and customers.
pub const CITIES: &[(&str, &str)] = &[
    ("上海", "East"),
    ("杭州", "East"),
    ("南京", "East"),
    ("苏州", "East"),
    ("宁波", "East"),
    ("合肥", "East"),
    ("济南", "East"),
    ("青岛", "East"),
    ("广州", "South"),
    ("深圳", "South"),
    ("东莞", "South"),
    ("佛山", "South"),
    ("厦门", "South"),
    ("南宁", "South"),
    ("北京", "North"),
    ("天津", "North"),
    ("石家庄", "North"),
    ("太原", "North"),
    ("沈阳", "North"),
    ("大连", "North"),
    ("成都", "West"),
    ("重庆", "West"),
    ("西安", "West"),
    ("昆明", "West"),
    ("贵阳", "West"),
    ("武汉", "Central"),
    ("长沙", "Central"),
    ("郑州", "Central"),
    ("南昌", "Central"),
    ("洛阳", "Central"),
];

/// (channel, weight) of lead sources.
pub const LEAD_CHANNELS: &[(&str, u32)] = &[
    ("autohome", 22),
    ("dongchedi", 18),
    ("app", 15),
    ("miniprogram", 15),
    ("wecom", 10),
    ("store_walkin", 14),
    ("alipay", 6),
];
/// (model, price in CNY).
pub const MODELS: &[(&str, i64)] = &[
    ("Aurora SUV", 259_800),
    ("Aurora SUV EV", 289_800),
    ("Meridian Sedan", 189_800),
    ("Meridian Sedan EV", 219_800),
    ("Pioneer Compact", 129_800),
    ("Summit MPV", 329_800),
];
pub const CONTENT_TAGS: &[&str] = &[
    "suv",
    "ev",
    "sedan",
    "mpv",
    "finance",
    "service",
    "lifestyle",
    "price",
];
pub const SURVEY_REASONS_HAPPY: &[&str] = &["良好的试驾体验", "销售顾问专业", "价格合适", "交付准时"];
pub const SURVEY_REASONS_UNHAPPY: &[&str] = &[
    "试驾后无人跟进",
    "跟进太慢",
    "价格太高",
    "等待时间长",
    "服务态度差",
];
