//! Inputs shared by the benches.

/// `n` phone numbers in the spellings real exports mix, a tenth invalid.
pub fn noisy_phones(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let national = format!("1{}{:09}", 3 + i % 7, (i * 7_919) % 1_000_000_000);
            let (a, b, c) = (&national[0..3], &national[3..7], &national[7..11]);
            match i % 10 {
                0 => national.clone(),
                1 => format!("{a}-{b}-{c}"),
                2 => format!("+86 {a} {b} {c}"),
                3 => format!("0086{national}"),
                4 => format!("86-{national}"),
                5 => format!("({a}) {b} {c}"),
                6 => format!("+86{national}"),
                7 => format!("0{national}"),
                8 => national
                    .chars()
                    .map(|d| char::from_u32(d as u32 + 0xFEE0).unwrap())
                    .collect(),
                _ => national[..9].to_string(),
            }
        })
        .collect()
}

/// Identifier links of `persons` synthetic persons, as (record_id, id_type,
/// id_value) columns: each person has a CRM record (crm_id, phone, email),
/// two leads (phone with openid, phone with device) and an app login (device,
/// account). Five records and six identifiers a person.
pub fn synthetic_links(persons: usize) -> (Vec<String>, Vec<&'static str>, Vec<String>) {
    let mut records = Vec::with_capacity(persons * 11);
    let mut types = Vec::with_capacity(persons * 11);
    let mut values = Vec::with_capacity(persons * 11);
    let mut push = |record: String, id_type: &'static str, value: String| {
        records.push(record);
        types.push(id_type);
        values.push(value);
    };
    for p in 0..persons {
        let phone = format!("+86138{p:08}");
        let device = format!("D{p:012X}");
        push(format!("crm:{p}"), "crm_id", format!("CRM{p:09}"));
        push(format!("crm:{p}"), "phone", phone.clone());
        push(format!("crm:{p}"), "email", format!("u{p}@qq.com"));
        push(format!("lead:{p}a"), "phone", phone.clone());
        push(format!("lead:{p}a"), "wechat_openid", format!("o{p:027}"));
        push(format!("lead:{p}b"), "phone", phone);
        push(format!("lead:{p}b"), "device_id", device.clone());
        push(format!("app:{p}"), "device_id", device);
        push(format!("app:{p}"), "account_id", format!("U{p:09}"));
    }
    (records, types, values)
}
