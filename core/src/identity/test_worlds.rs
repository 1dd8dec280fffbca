//! Small random worlds for the resolver's property tests.

/// `(source, record, id_type, id_value)` rows of a small random world: CRM
/// records, leads (some with a salesperson's phone, another customer's
/// phone mistyped, or a junk phone), app logins and orders, over identifier
/// pools small enough that identifiers are shared and persons refused.
pub fn random_world(seed: u64) -> Vec<(String, String, &'static str, String)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let persons = 80;
    let mut rows = Vec::new();
    let mut record = 0;
    let mut add = |rows: &mut Vec<_>, source: &'static str, identifiers: Vec<(&'static str, String)>| {
        record += 1;
        for (id_type, id_value) in identifiers {
            rows.push((
                source.to_string(),
                format!("{source}:{record}"),
                id_type,
                id_value,
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
            add(&mut rows, "crm", crm);
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
            add(&mut rows, "lead", lead);
        }
        for _ in 0..rng.random_range(0..4) {
            let device = format!("D{p}-{}", rng.random_range(0..2));
            let other = if rng.random_bool(0.5) {
                ("wechat_openid", format!("o{p}"))
            } else {
                ("phone", phone(&mut rng))
            };
            add(&mut rows, "app", vec![("device_id", device), other]);
        }
        for _ in 0..rng.random_range(0..3) {
            let crm_id = if rng.random_bool(0.05) {
                format!("C{}", rng.random_range(0..persons))
            } else {
                format!("C{p}")
            };
            add(
                &mut rows,
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
