//! Component ids to schema indices, remembered per position: a reader hands
//! out an observation's values in the same order every time, so resolving an
//! id usually costs one short string comparison instead of a search of the
//! structure's components.

use crate::data::Values;

/// An id met at a position and the index it resolved to.
type Seen = Option<(String, Option<usize>)>;

/// The indices of the ids of one kind of [`Values`] (an observation's key, its
/// measures, its attributes).
#[derive(Debug, Default)]
pub(crate) struct IdCache {
    /// Per position: the last two ids met there and what they resolved to
    /// (two, so that an optional attribute coming and going does not thrash).
    slots: Vec<[Seen; 2]>,
    /// The indices of the values last resolved, by position.
    pub cur: Vec<Option<usize>>,
}

impl IdCache {
    /// Resolves every id of `values` with `lookup` (remembered), into `cur`.
    pub fn resolve(&mut self, values: &Values, lookup: impl Fn(&str) -> Option<usize>) {
        // The same ids as last time (the usual case): `cur` already holds
        // their indices, as each position's first slot holds its last id.
        if values.len() == self.cur.len()
            && values
                .iter()
                .zip(&self.slots)
                .all(|((id, _), slot)| matches!(&slot[0], Some((a, _)) if a == id))
        {
            return;
        }
        self.cur.clear();
        for (pos, (id, _)) in values.iter().enumerate() {
            if pos == self.slots.len() {
                self.slots.push([None, None]);
            }
            let slot = &mut self.slots[pos];
            let index = match slot {
                [Some((a, i)), _] if a == id => *i,
                [_, Some((b, i))] if b == id => {
                    let i = *i;
                    slot.swap(0, 1);
                    i
                }
                _ => {
                    let i = lookup(id);
                    slot.swap(0, 1);
                    match &mut slot[0] {
                        Some((s, old)) => {
                            s.clear();
                            s.push_str(id);
                            *old = i;
                        }
                        empty => *empty = Some((id.to_owned(), i)),
                    }
                    i
                }
            };
            self.cur.push(index);
        }
    }

    /// The value of the first of `values` (those last resolved) that resolved
    /// to `index`.
    pub fn find<'v>(&self, values: &'v Values, index: usize) -> Option<&'v str> {
        values
            .iter()
            .zip(&self.cur)
            .find(|(_, i)| **i == Some(index))
            .map(|((_, v), _)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_as_the_lookup_does_whatever_the_order() {
        let ids = ["TIME_PERIOD", "OBS_STATUS", "DECIMALS", "", "X"];
        let lookup = |id: &str| ids.iter().position(|x| *x == id).filter(|&i| i != 4);
        let mut c = IdCache::default();
        let layouts: [&[&str]; 7] = [
            &["DECIMALS"],
            &["OBS_STATUS", "DECIMALS"],
            &["DECIMALS"],
            &["X", "", "NOPE"],
            &["OBS_STATUS", "DECIMALS"],
            &["NOPE", "OBS_STATUS", "DECIMALS", "TIME_PERIOD"],
            &[],
        ];
        for _ in 0..3 {
            for layout in layouts {
                let v: Values = layout.iter().map(|id| (*id, "v")).collect();
                c.resolve(&v, lookup);
                let want: Vec<Option<usize>> = layout.iter().map(|id| lookup(id)).collect();
                assert_eq!(c.cur, want, "{layout:?}");
                for (i, _) in ids.iter().enumerate() {
                    let first = want.iter().position(|&x| x == Some(i));
                    assert_eq!(c.find(&v, i), first.map(|_| "v"), "{layout:?} {i}");
                }
            }
        }
    }
}
