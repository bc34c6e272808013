//! The enterprise register's import rules: which columns a file has, and what makes a row
//! acceptable — a name, a valid credit code (GB 32100-2015), a known grid and cluster, once
//! per file. Pure: the application reads the file and compares with the register.

use std::collections::HashMap;

use serde::Serialize;

use crate::credit_code::CreditCode;
use crate::ids::GridId;
use crate::org::Cluster;
use crate::text::{Name, Phone};

/// The columns of a register file: the key, the Chinese header (the template's), and
/// whether a row must fill it.
pub const COLUMNS: [(&str, &str, bool); 8] = [
    ("name", "企业名称", true),
    ("credit_code", "统一社会信用代码", true),
    ("grid", "所属网格", true),
    ("cluster", "产业集群", true),
    ("above_size", "规上企业", false),
    ("address", "地址", false),
    ("contact_person", "联系人", false),
    ("contact_phone", "联系电话", false),
];

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 20_000;

/// Something wrong with a row (or the file), with a stable code and a message in Chinese,
/// then English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub code: String,
    pub message: String,
}

impl Problem {
    fn new(field: &'static str, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Where each column is in the file (by its Chinese or English header).
pub fn columns(header: &[String]) -> Result<[Option<usize>; 8], Problem> {
    let mut at = [None; 8];
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some(c) = COLUMNS
            .iter()
            .position(|(key, zh, _)| h == *key || h == *zh)
        {
            at[c] = Some(i);
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(at)
        .filter(|((_, _, required), found)| *required && found.is_none())
        .map(|((_, zh, _), _)| *zh)
        .collect();
    if missing.is_empty() {
        Ok(at)
    } else {
        Err(Problem::new(
            "file",
            "missing_columns",
            format!(
                "缺少列：{} / missing columns: {} (download the template)",
                missing.join("、"),
                missing.join(", ")
            ),
        ))
    }
}

/// A row as the register will hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    pub name: String,
    pub credit_code: CreditCode,
    pub grid_id: GridId,
    pub cluster: Cluster,
    pub above_size: bool,
    pub address: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
}

/// One row's verdict: the line it is on (the header is line 1), and the row or what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub line: usize,
    /// The credit code as written (for the report, even when it is invalid).
    pub credit_code: String,
    pub name: String,
    pub row: Result<RegisterRow, Vec<Problem>>,
}

/// A rule's message without the field name.
fn message(e: crate::error::DomainError) -> String {
    match e {
        crate::error::DomainError::Invalid { message, .. } => message,
        other => other.to_string(),
    }
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "n" | "false" | "0" => Some(false),
        "是" | "yes" | "y" | "true" | "1" => Some(true),
        _ => None,
    }
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Checks every row. `grids` maps a grid's name to its id; a row may also name the grid by
/// its id. A credit code that appears twice in the file is refused on its second and later
/// lines, naming the first.
pub fn check(
    rows: &[Vec<String>],
    at: &[Option<usize>; 8],
    grids: &HashMap<String, GridId>,
) -> Vec<Checked> {
    let cell = |r: &Vec<String>, c: usize| -> String {
        at[c]
            .and_then(|i| r.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let ids: HashMap<i64, GridId> = grids.values().map(|g| (g.0, *g)).collect();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let line = i + 2;
        let mut problems = Vec::new();
        let name = match Name::parse(&cell(r, 0)) {
            Ok(n) => Some(n.into_inner()),
            Err(e) => {
                problems.push(Problem::new("name", "missing_name", message(e)));
                None
            }
        };
        let raw_code = cell(r, 1);
        let code = match CreditCode::parse(&raw_code) {
            Ok(c) => {
                match first_line.get(c.as_str()) {
                    Some(first) => problems.push(Problem::new(
                        "credit_code",
                        "duplicate_in_file",
                        format!(
                            "与第 {first} 行的统一社会信用代码重复 / the same credit code as line {first}"
                        ),
                    )),
                    None => {
                        first_line.insert(c.as_str().to_owned(), line);
                    }
                }
                Some(c)
            }
            Err(e) => {
                problems.push(Problem::new("credit_code", e.code(), e.to_string()));
                None
            }
        };
        let grid_cell = cell(r, 2);
        let grid = grids.get(&grid_cell).copied().or_else(|| {
            grid_cell
                .parse::<i64>()
                .ok()
                .and_then(|id| ids.get(&id).copied())
        });
        if grid.is_none() {
            problems.push(Problem::new(
                "grid",
                "unknown_grid",
                format!("没有名为“{grid_cell}”的网格 / no grid named \"{grid_cell}\""),
            ));
        }
        let cluster = Cluster::parse_either(&cell(r, 3));
        if cluster.is_none() {
            problems.push(Problem::new(
                "cluster",
                "unknown_cluster",
                "产业集群须为：电子信息、食品饮料和水经济、机械与模具、其他 / the cluster is one of the four",
            ));
        }
        let above_size = yes_no(&cell(r, 4));
        if above_size.is_none() {
            problems.push(Problem::new(
                "above_size",
                "not_yes_or_no",
                "规上企业须填“是”或“否” / above_size is yes or no",
            ));
        }
        let phone = optional(&cell(r, 7));
        if let Some(p) = &phone
            && let Err(e) = Phone::parse(p)
        {
            problems.push(Problem::new("contact_phone", "format", message(e)));
        }
        let row = match (name.clone(), code, grid, cluster, above_size) {
            (Some(name), Some(credit_code), Some(grid_id), Some(cluster), Some(above_size))
                if problems.is_empty() =>
            {
                Ok(RegisterRow {
                    name,
                    credit_code,
                    grid_id,
                    cluster,
                    above_size,
                    address: optional(&cell(r, 5)),
                    contact_person: optional(&cell(r, 6)),
                    contact_phone: phone,
                })
            }
            _ => Err(problems),
        };
        out.push(Checked {
            line,
            credit_code: raw_code,
            name: name.unwrap_or_else(|| cell(r, 0)),
            row,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid code for a 17-character body (the check character computed per GB 32100).
    fn valid_code(body: &str) -> String {
        let alphabet = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        let weights = [
            1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
        ];
        let sum: usize = body
            .bytes()
            .zip(weights)
            .map(|(c, w)| alphabet.iter().position(|&a| a == c).unwrap_or(0) * w)
            .sum();
        format!("{body}{}", alphabet[(31 - sum % 31) % 31] as char)
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn headers_in_either_language_and_what_is_missing() {
        let at = columns(&s(&[
            "\u{feff}企业名称",
            "credit_code",
            "所属网格",
            "cluster",
        ]))
        .unwrap();
        assert_eq!(&at[..4], &[Some(0), Some(1), Some(2), Some(3)]);
        let e = columns(&s(&["企业名称", "地址"])).unwrap_err();
        assert_eq!(e.code, "missing_columns");
        assert!(e.message.contains("统一社会信用代码、所属网格、产业集群"));
    }

    #[test]
    fn every_kind_of_bad_row() {
        let at = columns(&s(&[
            "企业名称",
            "统一社会信用代码",
            "所属网格",
            "产业集群",
            "规上企业",
            "地址",
            "联系人",
            "联系电话",
        ]))
        .unwrap();
        let grids = HashMap::from([("科创园网格".to_owned(), GridId(3))]);
        let good = valid_code("91441600MA4T00001");
        let rows = vec![
            s(&["中兴", &good, "科创园网格", "电子信息", "是", "", "", ""]),
            s(&[
                "",
                "91441600MA4T0000",
                "无此网格",
                "钢铁",
                "也许",
                "",
                "",
                "电话",
            ]),
            s(&["重复", &good, "3", "other", "", "", "", ""]),
        ];
        let out = check(&rows, &at, &grids);
        let ok = out[0].row.as_ref().unwrap();
        assert_eq!(
            (ok.grid_id, ok.cluster, ok.above_size),
            (GridId(3), Cluster::ElectronicInformation, true)
        );
        assert_eq!(out[0].line, 2);
        let bad: Vec<&str> = out[1]
            .row
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(
            bad,
            [
                "missing_name",
                "credit_code.length",
                "unknown_grid",
                "unknown_cluster",
                "not_yes_or_no",
                "format"
            ]
        );
        let dup = out[2].row.as_ref().unwrap_err();
        assert_eq!(dup[0].code, "duplicate_in_file");
        assert!(dup[0].message.contains("line 2"), "names the first line");
    }
}
