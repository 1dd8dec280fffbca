//! The schemas of the generated tables and the builders their rows go into.

use std::sync::{Arc, LazyLock};

use arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Float64Builder, Int32Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;

/// Every timestamp is wall-clock time in China.
pub const TIME_ZONE: &str = "+08:00";
const AMOUNT_PRECISION: u8 = 12;
const AMOUNT_SCALE: i8 = 2;

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(TIME_ZONE.into()))
}
fn amount() -> DataType {
    DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)
}
fn schema(fields: Vec<(&str, DataType, bool)>) -> SchemaRef {
    Arc::new(Schema::new(
        fields
            .into_iter()
            .map(|(n, t, null)| Field::new(n, t, null))
            .collect::<Vec<_>>(),
    ))
}

/// The tables `cdpfusion generate` writes, in the order it writes them.
pub const TABLE_NAMES: &[&str] = &[
    "crm_customers",
    "leads",
    "app_events",
    "dms_orders",
    "service_visits",
    "surveys",
    "stores",
    "truth_identities",
    "insurance_policies",
    "truth_records",
];

pub static SCHEMAS: LazyLock<Vec<SchemaRef>> = LazyLock::new(|| {
    use DataType::{Date32, Float64, Int32, Utf8};
    vec![
        schema(vec![
            ("crm_id", Utf8, false),
            ("name", Utf8, true),
            ("phone", Utf8, true),
            ("email", Utf8, true),
            ("city", Utf8, true),
            ("created_at", ts(), false),
            ("birth_date", Date32, true),
            ("address", Utf8, true),
        ]),
        schema(vec![
            ("lead_id", Utf8, false),
            ("channel", Utf8, false),
            ("phone", Utf8, true),
            ("wechat_openid", Utf8, true),
            ("device_id", Utf8, true),
            ("model_interest", Utf8, true),
            ("store_id", Utf8, true),
            ("created_at", ts(), false),
        ]),
        schema(vec![
            ("event_id", Utf8, false),
            ("device_id", Utf8, true),
            ("account_id", Utf8, true),
            ("event_type", Utf8, false),
            ("content_tag", Utf8, true),
            ("dwell_s", Int32, true),
            ("ts", ts(), true),
        ]),
        schema(vec![
            ("order_id", Utf8, false),
            ("crm_id", Utf8, true),
            ("phone", Utf8, true),
            ("vin", Utf8, false),
            ("store_id", Utf8, false),
            ("model", Utf8, false),
            ("amount_cny", amount(), false),
            ("order_ts", ts(), false),
            ("delivery_ts", ts(), true),
        ]),
        schema(vec![
            ("visit_id", Utf8, false),
            ("vin", Utf8, false),
            ("store_id", Utf8, false),
            ("amount_cny", amount(), true),
            ("ts", ts(), false),
        ]),
        schema(vec![
            ("survey_id", Utf8, false),
            ("phone", Utf8, true),
            ("satisfaction", Int32, true),
            ("reason", Utf8, true),
            ("ts", ts(), false),
        ]),
        schema(vec![
            ("store_id", Utf8, false),
            ("city", Utf8, false),
            ("region", Utf8, false),
            ("weight", Float64, false),
        ]),
        schema(vec![
            ("person_key", Utf8, true),
            ("id_type", Utf8, false),
            ("id_value", Utf8, false),
        ]),
        schema(vec![
            ("policy_id", Utf8, false),
            ("holder_name", Utf8, true),
            ("phone", Utf8, true),
            ("birth_date", Date32, true),
            ("address", Utf8, true),
            ("city", Utf8, true),
            ("vin", Utf8, true),
            ("start_date", Date32, false),
        ]),
        schema(vec![
            ("source", Utf8, false),
            ("record_id", Utf8, false),
            ("person_key", Utf8, false),
        ]),
    ]
});

fn ts_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone(TIME_ZONE)
}
fn amount_builder() -> Decimal128Builder {
    Decimal128Builder::new()
        .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)
        .expect("valid decimal")
}

#[derive(Default)]
pub struct CrmCustomers {
    pub crm_id: StringBuilder,
    pub name: StringBuilder,
    pub phone: StringBuilder,
    pub email: StringBuilder,
    pub city: StringBuilder,
    pub created_at: TimestampMicrosecondBuilder,
    pub birth_date: Date32Builder,
    pub address: StringBuilder,
}

#[derive(Default)]
pub struct Leads {
    pub lead_id: StringBuilder,
    pub channel: StringBuilder,
    pub phone: StringBuilder,
    pub wechat_openid: StringBuilder,
    pub device_id: StringBuilder,
    pub model_interest: StringBuilder,
    pub store_id: StringBuilder,
    pub created_at: TimestampMicrosecondBuilder,
}

#[derive(Default)]
pub struct AppEvents {
    pub event_id: StringBuilder,
    pub device_id: StringBuilder,
    pub account_id: StringBuilder,
    pub event_type: StringBuilder,
    pub content_tag: StringBuilder,
    pub dwell_s: Int32Builder,
    pub ts: TimestampMicrosecondBuilder,
}

pub struct DmsOrders {
    pub order_id: StringBuilder,
    pub crm_id: StringBuilder,
    pub phone: StringBuilder,
    pub vin: StringBuilder,
    pub store_id: StringBuilder,
    pub model: StringBuilder,
    pub amount_cny: Decimal128Builder,
    pub order_ts: TimestampMicrosecondBuilder,
    pub delivery_ts: TimestampMicrosecondBuilder,
}

pub struct ServiceVisits {
    pub visit_id: StringBuilder,
    pub vin: StringBuilder,
    pub store_id: StringBuilder,
    pub amount_cny: Decimal128Builder,
    pub ts: TimestampMicrosecondBuilder,
}

#[derive(Default)]
pub struct Surveys {
    pub survey_id: StringBuilder,
    pub phone: StringBuilder,
    pub satisfaction: Int32Builder,
    pub reason: StringBuilder,
    pub ts: TimestampMicrosecondBuilder,
}

#[derive(Default)]
pub struct Stores {
    pub store_id: StringBuilder,
    pub city: StringBuilder,
    pub region: StringBuilder,
    pub weight: Float64Builder,
}

#[derive(Default)]
pub struct TruthIdentities {
    pub person_key: StringBuilder,
    pub id_type: StringBuilder,
    pub id_value: StringBuilder,
}

#[derive(Default)]
pub struct InsurancePolicies {
    pub policy_id: StringBuilder,
    pub holder_name: StringBuilder,
    pub phone: StringBuilder,
    pub birth_date: Date32Builder,
    pub address: StringBuilder,
    pub city: StringBuilder,
    pub vin: StringBuilder,
    pub start_date: Date32Builder,
}

/// Which person each CRM record and insurance policy belongs to: the truth
/// fuzzy matching is scored against.
#[derive(Default)]
pub struct TruthRecords {
    pub source: StringBuilder,
    pub record_id: StringBuilder,
    pub person_key: StringBuilder,
}

/// One builder set for every table; a chunk of persons fills one.
pub struct Tables {
    pub crm_customers: CrmCustomers,
    pub leads: Leads,
    pub app_events: AppEvents,
    pub dms_orders: DmsOrders,
    pub service_visits: ServiceVisits,
    pub surveys: Surveys,
    pub stores: Stores,
    pub truth_identities: TruthIdentities,
    pub insurance_policies: InsurancePolicies,
    pub truth_records: TruthRecords,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            crm_customers: CrmCustomers {
                created_at: ts_builder(),
                ..Default::default()
            },
            leads: Leads {
                created_at: ts_builder(),
                ..Default::default()
            },
            app_events: AppEvents {
                ts: ts_builder(),
                ..Default::default()
            },
            dms_orders: DmsOrders {
                order_id: StringBuilder::new(),
                crm_id: StringBuilder::new(),
                phone: StringBuilder::new(),
                vin: StringBuilder::new(),
                store_id: StringBuilder::new(),
                model: StringBuilder::new(),
                amount_cny: amount_builder(),
                order_ts: ts_builder(),
                delivery_ts: ts_builder(),
            },
            service_visits: ServiceVisits {
                visit_id: StringBuilder::new(),
                vin: StringBuilder::new(),
                store_id: StringBuilder::new(),
                amount_cny: amount_builder(),
                ts: ts_builder(),
            },
            surveys: Surveys {
                ts: ts_builder(),
                ..Default::default()
            },
            stores: Stores::default(),
            truth_identities: TruthIdentities::default(),
            insurance_policies: InsurancePolicies::default(),
            truth_records: TruthRecords::default(),
        }
    }
}

impl Tables {
    /// The batches, one per table in [`TABLE_NAMES`] order.
    pub fn finish(&mut self) -> Result<Vec<RecordBatch>, ArrowError> {
        let c = &mut self.crm_customers;
        let l = &mut self.leads;
        let e = &mut self.app_events;
        let o = &mut self.dms_orders;
        let v = &mut self.service_visits;
        let s = &mut self.surveys;
        let st = &mut self.stores;
        let t = &mut self.truth_identities;
        let p = &mut self.insurance_policies;
        let r = &mut self.truth_records;
        let columns: Vec<Vec<ArrayRef>> = vec![
            vec![
                Arc::new(c.crm_id.finish()),
                Arc::new(c.name.finish()),
                Arc::new(c.phone.finish()),
                Arc::new(c.email.finish()),
                Arc::new(c.city.finish()),
                Arc::new(c.created_at.finish()),
                Arc::new(c.birth_date.finish()),
                Arc::new(c.address.finish()),
            ],
            vec![
                Arc::new(l.lead_id.finish()),
                Arc::new(l.channel.finish()),
                Arc::new(l.phone.finish()),
                Arc::new(l.wechat_openid.finish()),
                Arc::new(l.device_id.finish()),
                Arc::new(l.model_interest.finish()),
                Arc::new(l.store_id.finish()),
                Arc::new(l.created_at.finish()),
            ],
            vec![
                Arc::new(e.event_id.finish()),
                Arc::new(e.device_id.finish()),
                Arc::new(e.account_id.finish()),
                Arc::new(e.event_type.finish()),
                Arc::new(e.content_tag.finish()),
                Arc::new(e.dwell_s.finish()),
                Arc::new(e.ts.finish()),
            ],
            vec![
                Arc::new(o.order_id.finish()),
                Arc::new(o.crm_id.finish()),
                Arc::new(o.phone.finish()),
                Arc::new(o.vin.finish()),
                Arc::new(o.store_id.finish()),
                Arc::new(o.model.finish()),
                Arc::new(o.amount_cny.finish()),
                Arc::new(o.order_ts.finish()),
                Arc::new(o.delivery_ts.finish()),
            ],
            vec![
                Arc::new(v.visit_id.finish()),
                Arc::new(v.vin.finish()),
                Arc::new(v.store_id.finish()),
                Arc::new(v.amount_cny.finish()),
                Arc::new(v.ts.finish()),
            ],
            vec![
                Arc::new(s.survey_id.finish()),
                Arc::new(s.phone.finish()),
                Arc::new(s.satisfaction.finish()),
                Arc::new(s.reason.finish()),
                Arc::new(s.ts.finish()),
            ],
            vec![
                Arc::new(st.store_id.finish()),
                Arc::new(st.city.finish()),
                Arc::new(st.region.finish()),
                Arc::new(st.weight.finish()),
            ],
            vec![
                Arc::new(t.person_key.finish()),
                Arc::new(t.id_type.finish()),
                Arc::new(t.id_value.finish()),
            ],
            vec![
                Arc::new(p.policy_id.finish()),
                Arc::new(p.holder_name.finish()),
                Arc::new(p.phone.finish()),
                Arc::new(p.birth_date.finish()),
                Arc::new(p.address.finish()),
                Arc::new(p.city.finish()),
                Arc::new(p.vin.finish()),
                Arc::new(p.start_date.finish()),
            ],
            vec![
                Arc::new(r.source.finish()),
                Arc::new(r.record_id.finish()),
                Arc::new(r.person_key.finish()),
            ],
        ];
        SCHEMAS
            .iter()
            .zip(columns)
            .map(|(schema, columns)| RecordBatch::try_new(Arc::clone(schema), columns))
            .collect()
    }
}
