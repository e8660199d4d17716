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

/// An integer query parameter documented with its bounds (`MAX` = `i64::MAX`: none), read as
/// text: the handler checks it and answers a DRF field error keyed by the parameter's name,
/// where poem-openapi's own check would answer in its own words.
#[derive(Debug, Clone)]
pub struct BoundedInt<const MIN: i64, const MAX: i64>(pub String);

impl<const MIN: i64, const MAX: i64> Type for BoundedInt<MIN, MAX> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        format!("integer({MIN}..={MAX})").into()
    }

    #[allow(clippy::cast_precision_loss)]
    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("integer");
        schema.minimum = Some(MIN as f64);
        if MAX != i64::MAX {
            schema.maximum = Some(MAX as f64);
        }
        MetaSchemaRef::Inline(Box::new(schema))
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

impl<const MIN: i64, const MAX: i64> ParseFromParameter for BoundedInt<MIN, MAX> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

/// The raw text of an optional bounded parameter.
pub fn raw_bounded<const MIN: i64, const MAX: i64>(
    param: Option<BoundedInt<MIN, MAX>>,
) -> Option<String> {
    param.map(|p| p.0)
}

/// The raw text of an optional lenient parameter.
pub fn raw(param: Option<LenientInt>) -> Option<String> {
    param.map(|p| p.0)
}
