//! One generated person: identifiers, a buying journey and an after-sales
//! life, written as the rows each source system would hold of them.

use std::fmt::Write;

use arrow::array::StringBuilder;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::identifiers::{self as ids, mix};
use super::noise::{PhoneEntry, append_noisy_email, append_noisy_phone};
use super::profile::{CrmWritten, Name, Person, write_profile};
use super::tables::Tables;
use super::vocabulary::*;
use super::world::World;

const DAY: i64 = 86_400_000_000;
const SECOND: i64 = 1_000_000;
const HOUR: i64 = 3_600 * SECOND;

/// Appends a value built with `write!` (no intermediate String).
pub(super) fn put(builder: &mut StringBuilder, args: std::fmt::Arguments) {
    let _ = builder.write_fmt(args);
    builder.append_value("");
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<'a>(rng: &mut impl Rng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    items[0].0
}

/// The identifiers of one person, and which of them some record used.
struct Identity {
    mobiles: Vec<String>,
    email: Option<String>,
    openid: Option<String>,
    devices: Vec<String>,
    account: Option<String>,
    crm_id: Option<String>,
    vins: Vec<String>,
    used_mobiles: [bool; 2],
    used_email: bool,
    used_openid: bool,
    used_devices: [bool; 2],
    used_account: bool,
}

/// Milestones of the buying journey, in microseconds; `None` when not reached
/// by the end of the data.
#[derive(Clone, Copy)]
struct Journey {
    first_touch: i64,
    lead: Option<i64>,
    visit: Option<i64>,
    test_drive: Option<i64>,
    order: Option<i64>,
    delivery: Option<i64>,
}

pub fn generate_person(world: &World, index: u64, out: &mut Tables) {
    let seed = world.seed;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let mut scratch = String::new();

    let home_store = rng.random_range(0..world.stores.len());
    let store_id = world.stores[home_store].id.as_str();
    let model = rng.random_range(0..MODELS.len());

    let mut identity = Identity {
        mobiles: (0..1 + rng.random_bool(0.08) as u64)
            .map(|k| {
                ids::mobile(seed, index, k, &mut scratch);
                scratch.clone()
            })
            .collect(),
        email: rng.random_bool(0.55).then(|| {
            let stem = EMAIL_STEMS[(mix(seed, index, 1) % EMAIL_STEMS.len() as u64) as usize];
            ids::email(seed, index, stem, *pick(&mut rng, EMAIL_DOMAINS), &mut scratch);
            scratch.clone()
        }),
        openid: rng.random_bool(0.6).then(|| {
            ids::wechat_openid(seed, index, &mut scratch);
            scratch.clone()
        }),
        devices: Vec::new(),
        account: None,
        crm_id: None,
        vins: Vec::new(),
        used_mobiles: [false; 2],
        used_email: false,
        used_openid: false,
        used_devices: [false; 2],
        used_account: false,
    };
    let app_user = rng.random_bool(0.5);
    if app_user {
        for k in 0..1 + rng.random_bool(0.2) as u64 {
            ids::device_id(seed, index, k, &mut scratch);
            identity.devices.push(scratch.clone());
        }
        ids::account_id(seed, index, &mut scratch);
        identity.account = Some(scratch.clone());
    }

    let journey = simulate_journey(world, &mut rng);
    if journey.visit.is_some() || (journey.lead.is_some() && rng.random_bool(0.15)) {
        ids::crm_id(seed, index, &mut scratch);
        identity.crm_id = Some(scratch.clone());
    }

    let crm = write_crm(world, &mut rng, index, home_store, &journey, &mut identity, out);
    write_leads(
        world,
        &mut rng,
        index,
        home_store,
        model,
        &journey,
        &mut identity,
        out,
    );
    if app_user {
        write_app_events(world, &mut rng, index, &journey, &mut identity, out);
    }
    write_orders_and_service(
        world,
        &mut rng,
        index,
        store_id,
        model,
        &journey,
        &mut identity,
        out,
    );
    write_surveys(world, &mut rng, index, &journey, &mut identity, out);
    write_truth(index, &identity, out);
    let person = Person {
        index,
        crm_id: identity.crm_id.as_deref(),
        crm,
        mobile: &identity.mobiles[0],
        vin: identity.vins.first().map(String::as_str),
        delivery: journey.delivery,
        city: world.stores[home_store].city,
    };
    write_profile(world, &person, out);
}

fn simulate_journey(world: &World, rng: &mut impl Rng) -> Journey {
    let first_touch = world.start_us + rng.random_range(0..world.end_us - world.start_us - 30 * DAY);
    let within = |t: i64| (t <= world.end_us).then_some(t);
    let after = |prev: Option<i64>, rng: &mut ChaCha8Rng, p: f64, min_days: i64, max_days: i64| {
        let prev = prev?;
        if !rng.random_bool(p) {
            return None;
        }
        within(prev + rng.random_range(min_days * DAY..max_days * DAY) + rng.random_range(0..DAY))
    };
    // The rates make the test drive the stage where most buyers are lost.
    let mut r = ChaCha8Rng::seed_from_u64(rng.random());
    let lead = after(Some(first_touch), &mut r, 0.8, 0, 30);
    // The store follows a lead up with a visit; most within a day, the rest
    // up to a month later (satisfaction suffers, see write_surveys).
    let visit = match lead {
        Some(lead) if r.random_bool(0.45) => {
            let delay = if r.random_bool(0.6) {
                r.random_range(HOUR..DAY)
            } else {
                r.random_range(DAY..30 * DAY)
            };
            within(lead + delay)
        }
        _ => None,
    };
    let test_drive = after(visit, &mut r, 0.6, 0, 20);
    let order = after(test_drive, &mut r, 0.3, 1, 60);
    let delivery = after(order, &mut r, 0.95, 15, 60);
    Journey {
        first_touch,
        lead,
        visit,
        test_drive,
        order,
        delivery,
    }
}

fn write_crm(
    world: &World,
    rng: &mut impl Rng,
    index: u64,
    home_store: usize,
    journey: &Journey,
    identity: &mut Identity,
    out: &mut Tables,
) -> Option<CrmWritten> {
    let crm_id = identity.crm_id.as_deref()?;
    let created = journey.visit.or(journey.lead).unwrap_or(journey.first_touch);
    let copies = if rng.random_bool(0.03) { 2 } else { 1 };
    let name_roll = rng.random_range(0..100);
    let surname_index = rng.random_range(0..SURNAMES.len());
    let given_index = rng.random_range(0..GIVEN_NAMES.len());
    let name = Name::new(world.seed, index, surname_index, given_index);
    let (surname, given) = (name.surname(), name.given());
    let city = if rng.random_bool(0.85) {
        world.stores[home_store].city
    } else {
        pick(rng, CITIES).0
    };
    for _ in 0..copies {
        let c = &mut out.crm_customers;
        c.crm_id.append_value(crm_id);
        match name_roll {
            0..85 => put(&mut c.name, format_args!("{surname}{given}")),
            85..92 => put(&mut c.name, format_args!(" {surname} {given} ")),
            92..97 => put(&mut c.name, format_args!("{surname}先生")),
            _ => c.name.append_null(),
        }
        append_noisy_phone(rng, &identity.mobiles[0], PhoneEntry::Mandatory, &mut c.phone);
        identity.used_mobiles[0] = true;
        match identity.email.as_deref() {
            Some(email) => {
                append_noisy_email(rng, email, &mut c.email);
                identity.used_email = true;
            }
            None => c.email.append_null(),
        }
        c.city.append_value(city);
        c.created_at.append_value(created);
    }
    Some(CrmWritten { name, copies })
}

#[allow(clippy::too_many_arguments)]
fn write_leads(
    world: &World,
    rng: &mut impl Rng,
    index: u64,
    home_store: usize,
    model: usize,
    journey: &Journey,
    identity: &mut Identity,
    out: &mut Tables,
) {
    let Some(first_lead) = journey.lead else { return };
    // (when, channel if already decided)
    let mut planned: Vec<(i64, Option<&str>)> = vec![(first_lead, None)];
    if rng.random_bool(0.3) {
        let again = first_lead + rng.random_range(0..60 * DAY);
        if again <= world.end_us {
            planned.push((again, None));
        }
    }
    // Reception registers most store visitors as walk-in leads; this is
    // where the store's demo tablet and salespeople's phones meet hundreds
    // of customers.
    if let Some(visit) = journey.visit {
        if rng.random_bool(0.6) {
            planned.push((visit, Some("store_walkin")));
        }
    }
    let mut scratch = String::new();
    let mut k = 0;
    while k < planned.len() {
        let (created, decided) = planned[k];
        let mut channel = decided.unwrap_or_else(|| weighted(rng, LEAD_CHANNELS));
        if decided.is_none() && k == 0 && !identity.devices.is_empty() {
            // App users leave their details in the app or its mini-program.
            channel = if rng.random_bool(0.6) {
                "app"
            } else {
                "miniprogram"
            };
        }
        if channel == "store_walkin" && journey.visit.is_none() {
            channel = "autohome";
        }
        let created = if channel == "store_walkin" {
            journey.visit.unwrap_or(created)
        } else {
            created
        };
        let store = &world.stores[home_store];
        let copies = if rng.random_bool(0.04) { 2 } else { 1 };
        // Decide the record's fields once, so a duplicate repeats them exactly.
        let salesperson_typed = channel == "store_walkin" && rng.random_bool(0.25);
        if salesperson_typed && identity.openid.is_some() {
            // The salesperson adds the customer on WeCom, which files a lead
            // of its own with the customer's phone and openid.
            planned.insert(k + 1, (created, Some("wecom")));
        }
        let on_tablet = channel == "store_walkin" && rng.random_bool(0.4);
        let phone_roll: u64 = rng.random();
        let with_openid =
            (matches!(channel, "miniprogram" | "wecom") || salesperson_typed) && identity.openid.is_some();
        let device_k = if identity.devices.is_empty() {
            None
        } else {
            Some(rng.random_range(0..identity.devices.len()))
        };
        let with_device = matches!(channel, "app" | "miniprogram") && device_k.is_some();
        // Only a later lead carries the zero id, so it never hides the real device.
        let zero_idfa = with_device && k > 0 && rng.random_bool(0.1);
        let entry = if matches!(channel, "app" | "miniprogram") {
            PhoneEntry::Validated
        } else {
            PhoneEntry::Free
        };
        let interest = if rng.random_bool(0.8) {
            Some(MODELS[model].0)
        } else {
            None
        };
        for copy in 0..copies {
            let l = &mut out.leads;
            put(&mut l.lead_id, format_args!("L{index:09}{k}{copy}"));
            l.channel.append_value(channel);
            if salesperson_typed {
                ids::salesperson_mobile(home_store, (phone_roll % 2) as usize, &mut scratch);
                l.phone.append_value(&scratch);
            } else {
                let mut phone_rng = ChaCha8Rng::seed_from_u64(phone_roll);
                append_noisy_phone(&mut phone_rng, &identity.mobiles[0], entry, &mut l.phone);
                identity.used_mobiles[0] = true;
            }
            match (with_openid, identity.openid.as_deref()) {
                (true, Some(openid)) => {
                    l.wechat_openid.append_value(openid);
                    identity.used_openid = true;
                }
                _ => l.wechat_openid.append_null(),
            }
            if on_tablet {
                ids::demo_tablet(&store.id, &mut scratch);
                l.device_id.append_value(&scratch);
            } else if zero_idfa {
                l.device_id.append_value(ids::ZERO_DEVICE_ID);
            } else if let (true, Some(d)) = (with_device, device_k) {
                l.device_id.append_value(&identity.devices[d]);
                identity.used_devices[d] = true;
            } else {
                l.device_id.append_null();
            }
            l.model_interest.append_option(interest);
            l.store_id.append_value(&store.id);
            l.created_at.append_value(created);
        }
        k += 1;
    }
}

fn write_app_events(
    world: &World,
    rng: &mut impl Rng,
    index: u64,
    journey: &Journey,
    identity: &mut Identity,
    out: &mut Tables,
) {
    let e = &mut out.app_events;
    let mut seq = 0u32;
    let mut emit = |e: &mut super::tables::AppEvents,
                    device: &str,
                    account: Option<&str>,
                    event_type: &str,
                    tag: Option<&str>,
                    dwell: Option<i32>,
                    ts: Option<i64>| {
        put(&mut e.event_id, format_args!("E{index:09}-{seq:04}"));
        seq += 1;
        e.device_id.append_value(device);
        e.account_id.append_option(account);
        e.event_type.append_value(event_type);
        e.content_tag.append_option(tag);
        e.dwell_s.append_option(dwell);
        e.ts.append_option(ts);
    };
    let account = identity.account.clone();
    let active_until = journey
        .delivery
        .unwrap_or(journey.first_touch + 365 * DAY)
        .min(world.end_us);
    let sessions = 2 + rng.random_range(0..12);
    let mut had_session = [false; 2];
    for _ in 0..sessions {
        let t = journey.first_touch + rng.random_range(0..(active_until - journey.first_touch).max(DAY));
        if t > world.end_us {
            continue;
        }
        let d = rng.random_range(0..identity.devices.len());
        // The app asks for a login on a device's first session; later
        // sessions may stay anonymous.
        let logged_in = !had_session[d] || rng.random_bool(0.6);
        had_session[d] = true;
        identity.used_devices[d] = true;
        let device = identity.devices[d].as_str();
        let acc = if logged_in { account.as_deref() } else { None };
        identity.used_account |= logged_in;
        if logged_in {
            emit(e, device, acc, "login", None, None, Some(t));
        }
        let mut ts = t;
        for _ in 0..1 + rng.random_range(0..4) {
            ts += rng.random_range(5..120) * SECOND;
            let tag = pick(rng, CONTENT_TAGS);
            let dwell = rng.random_range(3..600);
            // A few events arrive without a timestamp (clock or SDK faults).
            let when = if rng.random_bool(0.002) { None } else { Some(ts) };
            emit(e, device, acc, "view_content", Some(tag), Some(dwell), when);
            if rng.random_bool(0.1) {
                emit(e, device, acc, "share", Some(tag), None, Some(ts + SECOND));
            }
        }
    }
    let device = identity.devices[0].as_str();
    identity.used_devices[0] = true;
    let milestones = [
        ("leave_info", journey.lead, 0.5),
        ("store_visit", journey.visit, 0.5),
        ("test_drive", journey.test_drive, 0.7),
        ("order", journey.order, 0.8),
        ("delivery", journey.delivery, 0.8),
    ];
    for (event_type, when, p) in milestones {
        if let Some(t) = when {
            if rng.random_bool(p) {
                identity.used_account |= account.is_some();
                emit(e, device, account.as_deref(), event_type, None, None, Some(t));
            }
        }
    }
    if let Some(t) = journey.test_drive {
        if rng.random_bool(0.3) && t + 2 * DAY <= world.end_us {
            emit(
                e,
                device,
                account.as_deref(),
                "survey",
                Some("test_drive"),
                None,
                Some(t + 2 * DAY),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn write_orders_and_service(
    world: &World,
    rng: &mut impl Rng,
    index: u64,
    store_id: &str,
    model: usize,
    journey: &Journey,
    identity: &mut Identity,
    out: &mut Tables,
) {
    let Some(first_order) = journey.order else { return };
    let mut orders = vec![(first_order, journey.delivery, model)];
    // Some owners come back for their next car 2 to 4 years later.
    if let Some(delivered) = journey.delivery {
        if rng.random_bool(0.08) {
            let next = delivered + rng.random_range(730 * DAY..1460 * DAY);
            if next <= world.end_us {
                let delivery = next + rng.random_range(15 * DAY..60 * DAY);
                orders.push((
                    next,
                    (delivery <= world.end_us).then_some(delivery),
                    rng.random_range(0..MODELS.len()),
                ));
            }
        }
    }
    let mut scratch = String::new();
    for (k, (order_ts, delivery_ts, model)) in orders.into_iter().enumerate() {
        ids::vin(world.seed, index, k as u64, model, &mut scratch);
        identity.vins.push(scratch.clone());
        let o = &mut out.dms_orders;
        put(&mut o.order_id, format_args!("O{index:09}{k}"));
        o.crm_id
            .append_option(identity.crm_id.as_deref().filter(|_| rng.random_bool(0.95)));
        if rng.random_bool(0.9) {
            // A buyer may register the car under their second number.
            let m = (identity.mobiles.len() > 1 && rng.random_bool(0.5)) as usize;
            append_noisy_phone(rng, &identity.mobiles[m], PhoneEntry::Free, &mut o.phone);
            identity.used_mobiles[m] = true;
        } else {
            o.phone.append_null();
        }
        o.vin.append_value(&scratch);
        o.store_id.append_value(store_id);
        let (model_name, price) = MODELS[model];
        o.model.append_value(model_name);
        let fen = price * 100 * rng.random_range(95..108) / 100;
        o.amount_cny.append_value(fen as i128);
        o.order_ts.append_value(order_ts);
        o.delivery_ts.append_option(delivery_ts);

        let Some(delivered) = delivery_ts else { continue };
        // Service roughly twice a year until the owner stops coming.
        let mut t = delivered + rng.random_range(150 * DAY..240 * DAY);
        let mut visit = 0u32;
        while t <= world.end_us {
            let v = &mut out.service_visits;
            put(&mut v.visit_id, format_args!("V{index:09}{k}{visit:03}"));
            v.vin.append_value(&scratch);
            let store = if rng.random_bool(0.85) {
                store_id
            } else {
                pick(rng, &world.stores).id.as_str()
            };
            v.store_id.append_value(store);
            if rng.random_bool(0.01) {
                v.amount_cny.append_null();
            } else {
                v.amount_cny
                    .append_value(rng.random_range(30_000..300_000) as i128);
            }
            v.ts.append_value(t);
            visit += 1;
            if rng.random_bool(0.12) {
                break;
            }
            t += rng.random_range(150 * DAY..240 * DAY);
        }
    }
}

fn write_surveys(
    world: &World,
    rng: &mut impl Rng,
    index: u64,
    journey: &Journey,
    identity: &mut Identity,
    out: &mut Tables,
) {
    let Some(test_drive) = journey.test_drive else {
        return;
    };
    if !rng.random_bool(0.4) {
        return;
    }
    let ts = test_drive + rng.random_range(DAY..10 * DAY);
    if ts > world.end_us {
        return;
    }
    let s = &mut out.surveys;
    put(&mut s.survey_id, format_args!("Q{index:09}"));
    if rng.random_bool(0.95) {
        append_noisy_phone(rng, &identity.mobiles[0], PhoneEntry::Free, &mut s.phone);
        identity.used_mobiles[0] = true;
    } else {
        s.phone.append_null();
    }
    let (score, reasons) = if journey.order.is_some() {
        (rng.random_range(7..=10), SURVEY_REASONS_HAPPY)
    } else {
        (rng.random_range(2..=8), SURVEY_REASONS_UNHAPPY)
    };
    // The operations behind it (docs/dataset.md, "Surveys"): each day the
    // lead waited for the store's follow-up costs half a point (at most
    // six), a test drive more than a week after the visit one more. The
    // random base above is the noise.
    let waited_days = |from: Option<i64>, to: Option<i64>| match (from, to) {
        (Some(from), Some(to)) => (to - from) as f64 / DAY as f64,
        _ => 0.0,
    };
    let follow_up_penalty = (waited_days(journey.lead, journey.visit) / 2.0).min(6.0).round() as i32;
    let test_drive_penalty = i32::from(waited_days(journey.visit, Some(test_drive)) > 7.0);
    let score = (score - follow_up_penalty - test_drive_penalty).max(1);
    s.satisfaction.append_value(score);
    s.reason
        .append_option(rng.random_bool(0.8).then(|| *pick(rng, reasons)));
    s.ts.append_value(ts);
}

fn write_truth(index: u64, identity: &Identity, out: &mut Tables) {
    let t = &mut out.truth_identities;
    let mut row = |id_type: &str, value: std::fmt::Arguments| {
        put(&mut t.person_key, format_args!("P{index}"));
        t.id_type.append_value(id_type);
        put(&mut t.id_value, value);
    };
    for (k, mobile) in identity.mobiles.iter().enumerate() {
        if identity.used_mobiles[k] {
            row("phone", format_args!("+86{mobile}"));
        }
    }
    if let (true, Some(email)) = (identity.used_email, &identity.email) {
        row("email", format_args!("{email}"));
    }
    if let (true, Some(openid)) = (identity.used_openid, &identity.openid) {
        row("wechat_openid", format_args!("{openid}"));
    }
    for (k, device) in identity.devices.iter().enumerate() {
        if identity.used_devices[k] {
            row("device_id", format_args!("{device}"));
        }
    }
    if let (true, Some(account)) = (identity.used_account, &identity.account) {
        row("account_id", format_args!("{account}"));
    }
    if let Some(crm_id) = &identity.crm_id {
        row("crm_id", format_args!("{crm_id}"));
    }
    for vin in &identity.vins {
        row("vin", format_args!("{vin}"));
    }
}
