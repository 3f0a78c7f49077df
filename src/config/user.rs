//! `containers.user`: who runs inside the containers. Benchmarks and
//! extension imports never need root, and the lockdown assumes they do not
//! have it, so the user is `UID:GID`, both decimal numbers and neither 0.
//!
//! Names are refused: Docker looks a name up in the image's /etc/passwd, where
//! any name may be uid 0, and this check cannot see the image. A uid alone is
//! refused too: Docker then takes the group from that file, and gives group 0
//! (root's) to a uid the file does not list. Only digits are taken, because
//! Docker reads `+0` and `00` as 0.

use super::locate::key_location;

/// The uid and gid of a container user, or why it is refused. Pure.
pub fn parse_user(user: &str) -> Result<(u32, u32), &'static str> {
    if user.trim().is_empty() {
        return Err("an empty user means the image's default, which is root");
    }
    let Some((uid, gid)) = user.split_once(':') else {
        return Err(
            "a user without a group takes its group from the image's /etc/passwd, which \
             gives group 0 (root's) to a uid it does not list",
        );
    };
    let number = |part: &str| -> Result<u32, &'static str> {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(
                "both parts must be decimal numbers: a name is looked up inside the image, \
                 where it may be root, and Docker reads signs and padding (`+0`, `00`) as numbers",
            );
        }
        match part.parse::<u32>() {
            Ok(0) => Err("uid 0 or gid 0 is root (or root's group)"),
            Ok(u32::MAX) | Err(_) => Err("uids and gids end at 4294967294"),
            Ok(n) => Ok(n),
        }
    };
    Ok((number(uid)?, number(gid)?))
}

/// `containers.user` checked, as a one-paragraph message with the key's
/// place in `text` when it is refused.
pub fn check_user(user: &str, text: &str) -> Result<(), String> {
    let Err(why) = parse_user(user) else {
        return Ok(());
    };
    let location = key_location(text, &["containers", "user"])
        .map(|(line, column)| format!(" (line {line}, column {column})"))
        .unwrap_or_default();
    Err(format!(
        "`containers.user` is {user:?}{location}, which is refused: {why}. The containers \
         must not run as root: the lockdown assumes an unprivileged user. Set `user:` under \
         `containers:` to two non-zero numbers UID:GID such as \"1000:1000\" (the built-in \
         default) and run again."
    ))
}

#[cfg(test)]
mod tests {
    use super::super::load::{parse, Source, DEFAULT_YAML};
    use super::*;

    #[test]
    fn numbers_other_than_root_pass() {
        assert_eq!(parse_user("1000:1000"), Ok((1000, 1000)));
        assert_eq!(parse_user("65534:65534"), Ok((65534, 65534)));
        assert_eq!(parse_user("1:4294967294"), Ok((1, 4294967294)));
    }

    #[test]
    fn every_spelling_of_root_is_refused() {
        let refused = [
            "",
            " ",
            "0",
            "0:0",
            "00:00",
            "+0",
            "+0:+0",
            "1000:0",
            "0:1000",
            "1000",
            "root",
            "root:root",
            "nobody",
            "nobody:nogroup",
            "1000:",
            ":1000",
            " 1000:1000",
            "-1:-1",
            "1000:1000:1",
            "4294967295:1",
            "99999999999:1",
            "0x3e8:1000",
        ];
        for user in refused {
            assert!(parse_user(user).is_err(), "{user:?} passed");
        }
    }

    #[test]
    fn the_config_says_what_was_wrong_and_where() {
        for user in [
            "\"\"",
            "\"0:0\"",
            "root",
            "\"0\"",
            "\"00:00\"",
            "\"+0\"",
            "\"1000:0\"",
        ] {
            let text = DEFAULT_YAML.replace("user: \"1000:1000\"", &format!("user: {user}"));
            let line = text
                .lines()
                .position(|l| l.starts_with("  user: "))
                .unwrap()
                + 1;
            let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
            assert!(
                e.contains(&format!("(line {line}, column 3)")),
                "{user}: {e}"
            );
            assert!(e.contains("must not run as root"), "{user}: {e}");
            assert!(e.contains("UID:GID such as \"1000:1000\""), "{user}: {e}");
            assert!(!e.contains('\n'), "one paragraph: {e}");
        }
        let text = DEFAULT_YAML.replace("user: \"1000:1000\"", "user: \"65534:65534\"");
        assert!(parse(&text, &Source::Embedded).is_ok());
    }
}
