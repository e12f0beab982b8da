/// A reusable list of `(component id, value)` pairs: cleared between events without
/// freeing its strings, so reading a long stream does not allocate per observation.
#[derive(Debug, Clone, Default)]
pub struct Values {
    items: Vec<(String, String)>,
    len: usize,
}

impl Values {
    /// An empty list.
    pub fn new() -> Self {
        Values::default()
    }

    /// Forgets every pair, keeping the allocations.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends a pair, reusing a previously allocated slot when there is one.
    pub fn push(&mut self, id: &str, value: &str) {
        if let Some((i, v)) = self.items.get_mut(self.len) {
            i.clear();
            i.push_str(id);
            v.clear();
            v.push_str(value);
        } else {
            self.items.push((id.to_owned(), value.to_owned()));
        }
        self.len += 1;
    }

    /// Replaces the value of the `i`th pair, keeping its id; false when there
    /// is no such pair. (For a caller that knows the ids repeat.)
    pub fn set_value(&mut self, i: usize, value: &str) -> bool {
        match self.items[..self.len].get_mut(i) {
            Some((_, v)) => {
                v.clear();
                v.push_str(value);
                true
            }
            None => false,
        }
    }

    /// Sets `id` to `value`, replacing an existing pair with the same id.
    pub fn set(&mut self, id: &str, value: &str) {
        match self.items[..self.len].iter_mut().find(|(i, _)| i == id) {
            Some((_, v)) => {
                v.clear();
                v.push_str(value);
            }
            None => self.push(id, value),
        }
    }

    /// The value of `id`.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.items[..self.len]
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs, in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.items[..self.len]
            .iter()
            .map(|(i, v)| (i.as_str(), v.as_str()))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there is no pair.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the pairs of `other` into `self`, replacing what was there.
    pub fn copy_from(&mut self, other: &Values) {
        self.clear();
        for (i, v) in other.iter() {
            self.push(i, v);
        }
    }

    /// The pairs as owned data (tests, small messages).
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(i, v)| (i.to_owned(), v.to_owned()))
            .collect()
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Values {}

impl<'a> FromIterator<(&'a str, &'a str)> for Values {
    fn from_iter<T: IntoIterator<Item = (&'a str, &'a str)>>(iter: T) -> Self {
        let mut v = Values::new();
        for (i, x) in iter {
            v.push(i, x);
        }
        v
    }
}

impl serde::Serialize for Values {
    /// Serialises as a JSON object in insertion order.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len))?;
        for (i, v) in self.iter() {
            m.serialize_entry(i, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_slots_and_keeps_order() {
        let mut v = Values::new();
        v.push("A", "1");
        v.push("B", "2");
        v.clear();
        assert!(v.is_empty());
        v.push("C", "3");
        v.set("C", "4");
        v.set("D", "5");
        assert_eq!(
            v.to_vec(),
            vec![("C".into(), "4".into()), ("D".into(), "5".into())]
        );
        assert_eq!(v.get("D"), Some("5"));
        assert_eq!(v.get("A"), None);
    }
}
