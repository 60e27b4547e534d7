//! The application's shared data: one value per type, read by every request
//! (bareASGI's `info`).

use std::any::{Any, TypeId};
use std::collections::HashMap;

/// Values keyed by their type.
#[derive(Default)]
pub(crate) struct DataMap {
    values: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl DataMap {
    /// Stores `value`, replacing an earlier value of the same type.
    pub(crate) fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// The value of type `T`, if one was stored.
    pub(crate) fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>())?.downcast_ref()
    }
}

impl std::fmt::Debug for DataMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataMap")
            .field("values", &self.values.len())
            .finish()
    }
}
