//! Query parameters that DRF parses leniently.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, Type};

/// An integer query parameter as DRF's paginators read it: documented as an integer, but
/// any text is accepted here and the handler decides (DRF falls back to the default page size
/// for `page_size=abc`, and answers `Invalid page.` for `page=abc`).
#[derive(Debug, Clone)]
pub struct LenientInt(pub String);

impl Type for LenientInt {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "integer".into()
    }

    // No `int64` format: that would declare a maximum the server does not enforce (DRF caps an
    // oversized `page_size` at the maximum rather than refusing it).
    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("integer")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for LenientInt {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

/// The raw text of an optional lenient parameter.
pub fn raw(param: Option<LenientInt>) -> Option<String> {
    param.map(|p| p.0)
}
