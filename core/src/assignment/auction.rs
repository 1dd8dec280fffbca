//! The exact maximum-benefit assignment of persons to classes of identical
//! slots (a transportation problem): Bertsekas' auction algorithm for
//! similar objects, with ε-scaling.
//!
//! Persons bid for the cheapest slot of the class worth most to them at
//! current prices, raising its price by how much better it is than their
//! second choice plus ε; a displaced holder bids again. A phase ends when
//! every slot is held; ε then shrinks and the prices carry over. When
//! benefits are integers scaled by the number of slots plus one and the
//! last ε is 1, the final assignment is optimal (ε-complementary slackness
//! bounds its loss below 1 unscaled unit). Slots outnumbering persons are held by implicit
//! dummy persons who value every slot at 0, so the problem is balanced and
//! a free slot's price is right; dummies find the cheapest class through a
//! heap over the classes' cheapest slots instead of scanning them.

use std::collections::VecDeque;

/// How many times ε shrinks per phase.
const SCALING: i64 = 5;
const NONE: u32 = u32::MAX;
/// How many best classes a person remembers between full scans.
const SHORTLIST: usize = 8;

/// The class of each of `persons` rows of `benefits` (row-major, one column
/// per class) in an assignment of maximum total benefit, each class holding
/// at most `capacities[k]` persons. When two classes are worth the same to a
/// person, it bids first for the one earlier in its scan, which starts at
/// `scan_start[person]` (or 0) and wraps. `capacities` must sum to at least
/// the number of persons.
pub fn assign(
    mut benefits: Vec<i64>,
    capacities: &[usize],
    scan_start: Option<&[u32]>,
) -> Result<Vec<u32>, String> {
    let classes = capacities.len();
    if classes == 0 {
        return if benefits.is_empty() {
            Ok(vec![])
        } else {
            Err("no class to assign persons to".into())
        };
    }
    let persons = benefits.len() / classes;
    let slots: usize = capacities.iter().sum();
    if slots < persons {
        return Err(format!("{persons} persons for {slots} slots"));
    }
    if persons == 0 {
        return Ok(vec![]);
    }
    // Scaled so that ε = 1 is below one unscaled unit per person.
    let scale = slots as i64 + 1;
    let mut largest = 0i64;
    for benefit in benefits.iter_mut() {
        *benefit = benefit
            .checked_mul(scale)
            .filter(|b| b.unsigned_abs() < (1u64 << 60))
            .ok_or("benefits too large to scale exactly")?;
        largest = largest.max(benefit.abs());
    }
    let mut market = Market::new(capacities, persons);
    let mut epsilon = (largest / SCALING).max(1);
    loop {
        market.run_phase(&benefits, persons, epsilon, scan_start);
        if epsilon == 1 {
            break;
        }
        epsilon = (epsilon / SCALING).max(1);
    }
    Ok((0..persons)
        .map(|p| market.slot_class[market.slot_of[p] as usize])
        .collect())
}

/// The slots, their prices and holders, and the orders that find the
/// cheapest slots.
struct Market {
    /// Each class's slots are `heap[start[k]..start[k + 1]]`, a min-heap by
    /// price.
    start: Vec<usize>,
    heap: Vec<u32>,
    price: Vec<i64>,
    holder: Vec<u32>,
    slot_class: Vec<u32>,
    /// The slot each person holds.
    slot_of: Vec<u32>,
    /// The price of each class's cheapest slot.
    class_min: Vec<i64>,
    /// The classes in a min-heap by `class_min`, for dummies.
    classes_by_price: Vec<u32>,
    class_position: Vec<usize>,
    /// Each person's best classes at its last full scan, and the value of
    /// the next best then (`i64::MAX` before any scan).
    shortlist: Vec<u32>,
    shortlist_bound: Vec<i64>,
}

impl Market {
    fn new(capacities: &[usize], persons: usize) -> Market {
        let mut start = vec![0];
        let mut slot_class = Vec::new();
        for (k, &capacity) in capacities.iter().enumerate() {
            start.push(start[k] + capacity);
            slot_class.extend(std::iter::repeat_n(k as u32, capacity));
        }
        let slots = slot_class.len();
        let classes = capacities.len();
        // Empty classes go to the bottom of the class heap: never cheapest.
        let class_min = capacities
            .iter()
            .map(|&c| if c == 0 { i64::MAX } else { 0 })
            .collect::<Vec<_>>();
        let mut classes_by_price: Vec<u32> = (0..classes as u32).collect();
        classes_by_price.sort_by_key(|&k| (class_min[k as usize], k));
        let mut class_position = vec![0; classes];
        for (position, &k) in classes_by_price.iter().enumerate() {
            class_position[k as usize] = position;
        }
        Market {
            start,
            heap: (0..slots as u32).collect(),
            price: vec![0; slots],
            holder: vec![NONE; slots],
            slot_class,
            slot_of: vec![NONE; slots],
            class_min,
            classes_by_price,
            class_position,
            shortlist: vec![NONE; persons * SHORTLIST],
            shortlist_bound: vec![i64::MAX; persons],
        }
    }

    /// The price of class `k`'s second cheapest slot (`i64::MAX` if none).
    fn second_min(&self, k: usize) -> i64 {
        let (start, end) = (self.start[k], self.start[k + 1]);
        let mut second = i64::MAX;
        for position in start + 1..(start + 3).min(end) {
            second = second.min(self.price[self.heap[position] as usize]);
        }
        second
    }

    /// The second cheapest class by its cheapest slot, other than the top.
    fn second_class_min(&self) -> i64 {
        let mut second = i64::MAX;
        for position in 1..3.min(self.classes_by_price.len()) {
            second = second.min(self.class_min[self.classes_by_price[position] as usize]);
        }
        second
    }

    fn run_phase(&mut self, benefits: &[i64], persons: usize, epsilon: i64, scan_start: Option<&[u32]>) {
        let classes = self.class_min.len();
        let waiting = self.release_unsettled(benefits, persons, epsilon, scan_start);
        let mut waiting: VecDeque<u32> = waiting.into();
        while let Some(person) = waiting.pop_front() {
            let (class, best, second) = if (person as usize) < persons {
                let row = &benefits[person as usize * classes..][..classes];
                let first = scan_start.map_or(0, |s| s[person as usize] as usize % classes);
                self.best_for(person as usize, row, first)
            } else {
                let k = self.classes_by_price[0] as usize;
                let second = self.second_class_min();
                (
                    k,
                    -self.class_min[k],
                    if second == i64::MAX { i64::MIN } else { -second },
                )
            };
            let own_second = self.second_min(class);
            let value = if (person as usize) < persons {
                benefits[person as usize * classes + class]
            } else {
                0
            };
            let second = if own_second == i64::MAX {
                second
            } else {
                second.max(value - own_second)
            };
            // With one slot in all, nothing competes: any raise will do.
            let raise = if second == i64::MIN {
                epsilon
            } else {
                best - second + epsilon
            };
            let slot = self.heap[self.start[class]] as usize;
            self.price[slot] += raise;
            let displaced = self.holder[slot];
            self.holder[slot] = person;
            self.slot_of[person as usize] = slot as u32;
            if displaced != NONE {
                self.slot_of[displaced as usize] = NONE;
                waiting.push_back(displaced);
            }
            self.sift_slot_down(class);
        }
    }

    /// Frees the slots of the persons who would gain more than `epsilon` by
    /// moving at current prices, and returns who waits to bid: those and
    /// the persons holding no slot. Everyone else keeps their slot, which
    /// spares a phase most of its bids; dummies value every slot at 0, so
    /// they move only when their slot is dearer than the cheapest by more
    /// than `epsilon`.
    fn release_unsettled(
        &mut self,
        benefits: &[i64],
        persons: usize,
        epsilon: i64,
        scan_start: Option<&[u32]>,
    ) -> Vec<u32> {
        let classes = self.class_min.len();
        let cheapest = self.class_min[self.classes_by_price[0] as usize];
        let mut waiting = Vec::new();
        for person in 0..self.slot_of.len() {
            let slot = self.slot_of[person];
            let settled = slot != NONE && {
                let slot = slot as usize;
                let class = self.slot_class[slot] as usize;
                if person < persons {
                    let row = &benefits[person * classes..][..classes];
                    let first = scan_start.map_or(0, |s| s[person] as usize % classes);
                    let (_, best, _) = self.best_for(person, row, first);
                    row[class] - self.price[slot] >= best - epsilon
                } else {
                    self.price[slot] <= cheapest + epsilon
                }
            };
            if !settled {
                if slot != NONE {
                    self.holder[slot as usize] = NONE;
                    self.slot_of[person] = NONE;
                }
                waiting.push(person as u32);
            }
        }
        waiting
    }

    /// The class worth most to person `person` (the first in its scan order
    /// among equals), its value, and the best value of any other class.
    ///
    /// Prices only rise, so a class's value to a person only falls: the
    /// person's last full scan kept its best [`SHORTLIST`] classes and the
    /// value of the next best, which bounds every class left out. When the
    /// two best of the shortlist are still worth more than that bound they
    /// are the two best of all, and the bid costs the shortlist instead of
    /// a scan of every class.
    #[inline]
    fn best_for(&mut self, person: usize, row: &[i64], first: usize) -> (usize, i64, i64) {
        let classes = row.len();
        if classes > SHORTLIST + 1 {
            let listed = &self.shortlist[person * SHORTLIST..][..SHORTLIST];
            let bound = self.shortlist_bound[person];
            if bound != i64::MAX {
                let (mut class, mut best, mut second) = (usize::MAX, i64::MIN, i64::MIN);
                let mut best_position = usize::MAX;
                for &k in listed {
                    if k == NONE {
                        continue;
                    }
                    let k = k as usize;
                    let value = row[k] - self.class_min[k];
                    let position = (k + classes - first) % classes;
                    if value > best || (value == best && position < best_position) {
                        second = best;
                        best = value;
                        class = k;
                        best_position = position;
                    } else if value > second {
                        second = value;
                    }
                }
                if second >= bound {
                    return (class, best, second);
                }
            }
        }
        self.scan_all(person, row, first)
    }

    /// [`Market::best_for`] by a scan of every class, keeping the person's
    /// shortlist.
    fn scan_all(&mut self, person: usize, row: &[i64], first: usize) -> (usize, i64, i64) {
        let classes = row.len();
        let mut top_values = [i64::MIN; SHORTLIST + 1];
        let mut top_classes = [NONE; SHORTLIST + 1];
        for offset in 0..classes {
            let k = if first == 0 {
                offset
            } else {
                (first + offset) % classes
            };
            if self.class_min[k] == i64::MAX {
                continue;
            }
            let value = row[k] - self.class_min[k];
            if value > top_values[SHORTLIST] {
                // Insert in order; an equal value scanned later goes after.
                let mut i = SHORTLIST;
                while i > 0 && top_values[i - 1] < value {
                    top_values[i] = top_values[i - 1];
                    top_classes[i] = top_classes[i - 1];
                    i -= 1;
                }
                top_values[i] = value;
                top_classes[i] = k as u32;
            }
        }
        if classes > SHORTLIST + 1 {
            self.shortlist[person * SHORTLIST..][..SHORTLIST].copy_from_slice(&top_classes[..SHORTLIST]);
            self.shortlist_bound[person] = top_values[SHORTLIST];
        }
        (top_classes[0] as usize, top_values[0], top_values[1])
    }

    /// Restores class `k`'s slot heap after its cheapest slot got dearer,
    /// then the class heap.
    fn sift_slot_down(&mut self, k: usize) {
        let (start, size) = (self.start[k], self.start[k + 1] - self.start[k]);
        let heap = &mut self.heap[start..start + size];
        let price = &self.price;
        let mut i = 0;
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            let mut smallest = i;
            if left < size && price[heap[left] as usize] < price[heap[smallest] as usize] {
                smallest = left;
            }
            if right < size && price[heap[right] as usize] < price[heap[smallest] as usize] {
                smallest = right;
            }
            if smallest == i {
                break;
            }
            heap.swap(i, smallest);
            i = smallest;
        }
        self.class_min[k] = self.price[self.heap[start] as usize];
        self.sift_class_down(self.class_position[k]);
    }

    fn sift_class_down(&mut self, mut i: usize) {
        let size = self.classes_by_price.len();
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            let key = |position: usize| self.class_min[self.classes_by_price[position] as usize];
            let mut smallest = i;
            if left < size && key(left) < key(smallest) {
                smallest = left;
            }
            if right < size && key(right) < key(smallest) {
                smallest = right;
            }
            if smallest == i {
                break;
            }
            self.classes_by_price.swap(i, smallest);
            self.class_position[self.classes_by_price[i] as usize] = i;
            self.class_position[self.classes_by_price[smallest] as usize] = smallest;
            i = smallest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The best total by trying every assignment.
    fn brute_force(benefits: &[i64], capacities: &[usize], person: usize, used: &mut Vec<usize>) -> i64 {
        let classes = capacities.len();
        if person * classes == benefits.len() {
            return 0;
        }
        let mut best = i64::MIN;
        for k in 0..classes {
            if used[k] < capacities[k] {
                used[k] += 1;
                let rest = brute_force(benefits, capacities, person + 1, used);
                used[k] -= 1;
                if rest != i64::MIN {
                    best = best.max(benefits[person * classes + k] + rest);
                }
            }
        }
        best
    }

    fn total(benefits: &[i64], classes: usize, assignment: &[u32]) -> i64 {
        assignment
            .iter()
            .enumerate()
            .map(|(p, &k)| benefits[p * classes + k as usize])
            .sum()
    }

    #[test]
    fn random_instances_reach_the_brute_force_optimum() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..400 {
            let classes = rng.random_range(1..=4);
            let persons = rng.random_range(0..=7);
            let mut capacities: Vec<usize> = (0..classes).map(|_| rng.random_range(0..=3)).collect();
            while capacities.iter().sum::<usize>() < persons {
                capacities[rng.random_range(0..classes)] += 1;
            }
            // Few distinct values, so ties and identical persons are common.
            let range = if case % 2 == 0 { 3 } else { 1000 };
            let benefits: Vec<i64> = (0..persons * classes)
                .map(|_| rng.random_range(0..range))
                .collect();
            let assignment = assign(benefits.clone(), &capacities, None).unwrap();
            let mut used = vec![0; classes];
            for &k in &assignment {
                used[k as usize] += 1;
            }
            assert!(used.iter().zip(&capacities).all(|(u, c)| u <= c), "case {case}");
            let best = brute_force(&benefits, &capacities, 0, &mut vec![0; classes]);
            let best = if persons == 0 { 0 } else { best };
            assert_eq!(
                total(&benefits, classes, &assignment),
                best,
                "case {case}: {benefits:?} {capacities:?}"
            );
        }
    }

    #[test]
    fn identical_persons_for_one_good_class_end_and_fill_it() {
        // 300 persons who all prefer class 0 (capacity 100) to class 1.
        let benefits: Vec<i64> = (0..300).flat_map(|_| [1_000_000, 999_999]).collect();
        let assignment = assign(benefits, &[100, 1000], None).unwrap();
        assert_eq!(assignment.iter().filter(|&&k| k == 0).count(), 100);
    }

    #[test]
    fn ties_follow_the_scan_order() {
        // Uncontested ties go to the first class scanned; which class a
        // contested tie ends in is up to the prices, the same on every run.
        let assignment = assign(vec![5, 5, 5, 5], &[2, 2], None).unwrap();
        assert_eq!(assignment, vec![0, 0]);
        let assignment = assign(vec![5, 5, 5, 5], &[2, 2], Some(&[1, 1])).unwrap();
        assert_eq!(assignment, vec![1, 1]);
    }

    #[test]
    fn too_few_slots_is_an_error() {
        assert!(
            assign(vec![1, 1], &[1], None)
                .unwrap_err()
                .contains("2 persons for 1 slots")
        );
    }
}
