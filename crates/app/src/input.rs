//! Shapes of input shared by the use cases' request types.

use serde::{Deserialize, Deserializer};

/// For optional fields of an edit: absent leaves the value as it is (`None`), `null` clears
/// it (`Some(None)`), a value sets it (`Some(Some(v))`). Use with `#[serde(default,
/// deserialize_with = "crate::input::double")]`.
pub(crate) fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
