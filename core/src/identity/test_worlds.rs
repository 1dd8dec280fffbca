//! Small random worlds for the resolver's property tests.

use rand::{Rng, SeedableRng};

/// A row of a world: source, record, id_type, id_value and the record's
/// name.
pub type WorldRow = (String, String, &'static str, String, Option<String>);

/// Rows of a small random world: CRM records, leads (some with a
/// salesperson's phone, another customer's phone mistyped, or a junk
/// phone), app logins and orders, over identifier pools small enough that
/// identifiers are shared and persons refused. Records carry names, drawn
/// apart from the rows (a world without names is the same world): CRM
/// records and orders their person's, leads now and then a title alone, no
/// name, or someone else's (a spouse, a relative), app logins none.
pub fn random_world(seed: u64) -> Vec<WorldRow> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut name_rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 500);
    let persons = 80;
    const FAMILIES: [&str; 6] = ["王", "李", "张", "刘", "陈", "杨"];
    const GIVEN: [&str; 14] = [
        "磊", "娜", "伟", "芳", "杰", "敏", "涛", "静", "强", "艳", "辉", "波", "欣", "平",
    ];
    let full_name = |p: usize| format!("{}{}", FAMILIES[p % 6], GIVEN[(p / 6) % 14]);
    let mut rows = Vec::new();
    let mut record = 0;
    let mut add =
        |rows: &mut Vec<_>, p: usize, source: &'static str, identifiers: Vec<(&'static str, String)>| {
            record += 1;
            let name = match source {
                "crm" | "dms" => name_rng.random_bool(0.95).then(|| full_name(p)),
                "lead" => match name_rng.random_range(0..20) {
                    0..=11 => Some(full_name(p)),
                    12..=14 => Some(format!("{}先生", FAMILIES[p % 6])),
                    15..=17 => None,
                    _ => Some(full_name(name_rng.random_range(0..persons))),
                },
                _ => None,
            };
            for (id_type, id_value) in identifiers {
                rows.push((
                    source.to_string(),
                    format!("{source}:{record}"),
                    id_type,
                    id_value,
                    name.clone(),
                ));
            }
        };
    for p in 0..persons {
        let phones = [format!("P{p}a"), format!("P{p}b")];
        let phone = |rng: &mut rand_chacha::ChaCha8Rng| phones[rng.random_range(0..2)].clone();
        if rng.random_bool(0.7) {
            let mut crm = vec![("crm_id", format!("C{p}")), ("phone", phone(&mut rng))];
            if rng.random_bool(0.5) {
                crm.push(("email", format!("e{p}@qq.com")));
            }
            add(&mut rows, p, "crm", crm);
        }
        for _ in 0..rng.random_range(0..5) {
            let lead_phone = match rng.random_range(0..20) {
                0 => format!("P{}a", rng.random_range(0..persons)),
                1 | 2 => format!("S{}", rng.random_range(0..3)),
                3 => "00000000".to_string(),
                _ => phone(&mut rng),
            };
            let mut lead = vec![("phone", lead_phone)];
            if rng.random_bool(0.5) {
                lead.push(("wechat_openid", format!("o{p}")));
            }
            add(&mut rows, p, "lead", lead);
        }
        for _ in 0..rng.random_range(0..4) {
            let device = format!("D{p}-{}", rng.random_range(0..2));
            let other = if rng.random_bool(0.5) {
                ("wechat_openid", format!("o{p}"))
            } else {
                ("phone", phone(&mut rng))
            };
            add(&mut rows, p, "app", vec![("device_id", device), other]);
        }
        for _ in 0..rng.random_range(0..3) {
            let crm_id = if rng.random_bool(0.05) {
                format!("C{}", rng.random_range(0..persons))
            } else {
                format!("C{p}")
            };
            add(
                &mut rows,
                p,
                "dms",
                vec![
                    ("crm_id", crm_id),
                    ("phone", phone(&mut rng)),
                    ("vin", format!("V{p}")),
                ],
            );
        }
    }
    rows
}
