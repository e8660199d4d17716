//! [`TrimmedText`]: how the contract documents a text field or query parameter that the
//! server trims ([`crate::domain::text::trimmed`]), so that the schema states that rule and
//! no other: `minLength: 1`, the not-blank `pattern`, and `maxLength` counted as sent.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type};
use serde_json::Value;

use crate::domain::text::NOT_BLANK_PATTERN;

/// No length limit: the field documents no `maxLength`.
pub const UNBOUNDED: usize = usize::MAX;

/// A trimmed, non-blank text of at most `MAX` characters as sent. Documentation only: the
/// handlers read bodies and `q` through the domain parsers, which give DRF's messages, so
/// parsing here takes any string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrimmedText<const MAX: usize = UNBOUNDED>(pub String);

impl<const MAX: usize> From<&str> for TrimmedText<MAX> {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl<const MAX: usize> Type for TrimmedText<MAX> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            min_length: Some(1),
            max_length: (MAX != UNBOUNDED).then_some(MAX),
            pattern: Some(NOT_BLANK_PATTERN.to_owned()),
            ..MetaSchema::new("string")
        }))
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

impl<const MAX: usize> ParseFromJSON for TrimmedText<MAX> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        String::parse_from_json(value)
            .map(Self)
            .map_err(poem_openapi::types::ParseError::propagate)
    }
}

impl<const MAX: usize> ParseFromParameter for TrimmedText<MAX> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

impl<const MAX: usize> ToJSON for TrimmedText<MAX> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}
