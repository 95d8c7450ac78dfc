//! A structure-aware mutator for the generator's targets: byte-level mutations almost always
//! break a model's JSON, so half the time a model that parses is mutated as a tree instead —
//! a value swapped for another one from the same model (a shape id where a different one was,
//! a member copied into another structure), a key renamed, an entry removed or duplicated, a
//! value replaced by one of another JSON type. That reaches the passes and lowering with
//! models that are well-formed JSON but wrong in the ways real models are.

use serde_json::{Map, Value};

/// Mutates `data[..size]` in place and returns the new size (libFuzzer's contract).
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> usize {
    let mut rng = Rng(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    if rng.below(2) == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let Ok(mut model) = serde_json::from_slice::<Value>(&data[..size]) else {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    };
    let mut pool = Vec::new();
    collect(&model, &mut pool);
    for _ in 0..=rng.below(3) {
        let nodes = count(&model);
        let target = rng.below(nodes);
        let mut seen = 0;
        mutate_at(&mut model, target, &mut seen, &pool, &mut rng);
    }
    let text = serde_json::to_vec(&model).expect("a Value serializes");
    if text.len() > max_size {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    data[..text.len()].copy_from_slice(&text);
    text.len()
}

/// xorshift64*: deterministic for a given seed, as libFuzzer requires.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// Every value of the model (subtrees included), as material for replacements.
fn collect(value: &Value, pool: &mut Vec<Value>) {
    if pool.len() >= 4096 {
        return;
    }
    pool.push(value.clone());
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, pool)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            pool.push(Value::String(k.clone()));
            collect(v, pool);
        }),
        _ => {}
    }
}

fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// Mutates the `target`-th node in pre-order; returns whether it was reached.
fn mutate_at(value: &mut Value, target: usize, seen: &mut usize, pool: &[Value], rng: &mut Rng) -> bool {
    if *seen == target {
        mutate_node(value, pool, rng);
        return true;
    }
    *seen += 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| mutate_at(v, target, seen, pool, rng)),
        Value::Object(map) => map.values_mut().any(|v| mutate_at(v, target, seen, pool, rng)),
        _ => false,
    }
}

fn mutate_node(value: &mut Value, pool: &[Value], rng: &mut Rng) {
    let from_pool = |rng: &mut Rng| pool[rng.below(pool.len())].clone();
    match rng.below(6) {
        // Another value of the model in its place: dangling or cyclic targets, wrong kinds.
        0 | 1 => *value = from_pool(rng),
        // A value of another JSON type.
        2 => {
            *value = match rng.below(7) {
                0 => Value::Null,
                1 => Value::Bool(rng.below(2) == 0),
                2 => Value::from(rng.below(5) as i64 - 1),
                3 => Value::from(1e300),
                4 => Value::String(String::new()),
                5 => Value::Array(vec![]),
                _ => Value::Object(Map::new()),
            }
        }
        // Edit a container: remove, duplicate, rename or add an entry.
        _ => match value {
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                match rng.below(3) {
                    0 => drop(items.remove(i)),
                    1 => items.push(items[i].clone()),
                    _ => items.push(from_pool(rng)),
                }
            }
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned().expect("a key");
                let Some(entry) = map.shift_remove(&key) else { return };
                let new_key = match from_pool(rng) {
                    Value::String(s) => s,
                    _ => format!("{key}2"),
                };
                match rng.below(3) {
                    0 => {} // removed
                    1 => {
                        map.insert(key, entry.clone());
                        map.insert(new_key, entry);
                    }
                    _ => drop(map.insert(new_key, entry)),
                }
            }
            Value::String(s) => match rng.below(4) {
                0 => s.push('$'),
                1 => s.push('#'),
                2 => s.insert_str(0, "smithy.api#"),
                _ => s.truncate(s.len() / 2),
            },
            _ => *value = from_pool(rng),
        },
    }
}
