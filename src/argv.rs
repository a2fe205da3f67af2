//! Options anywhere on the command line, as C tools take them: `jitcall call 'double
//! pow(double, double)' 2 10 -l libm.so.6` reads `-l libm.so.6` as an option, and `-5`,
//! `-inf` or `-(long)7` as arguments.
//!
//! clap stops reading options at the first argument of a command whose arguments may
//! start with '-'; so, before clap sees them, [`options_first`] moves the options of such
//! a command ahead of its arguments and ends them with `--`. What an option is comes from
//! clap's own description of the command, so a new option needs nothing here. It parses
//! nothing else: values and errors stay clap's.

use clap::Command;
use std::ffi::OsString;

/// The commands whose arguments are C values, where `-5` is an argument.
const VALUE_COMMANDS: &[&str] = &["call", "explain", "run"];

/// Words of C values that may follow a minus sign and start with the letter of an
/// option (`-INFINITY` is not `-I NFINITY`).
const NEGATED_WORDS: &[&str] = &["inf", "infinity", "INFINITY", "nan", "NAN"];

/// `args` (the program name first; `cli` built, so that it knows `-h`) with the options of a value-taking command moved
/// ahead of its arguments, which follow a `--`. A lone `--` still ends the options: what
/// follows it is arguments, whatever it looks like. A word after '-' that is not one of
/// the command's short options (`-5`, `-inf`, `-0x1p3`, `-(long)7`) is an argument, as
/// are `-INFINITY` and `-NAN`; other words that start with an option's letter need
/// `--` before them.
pub fn options_first(cli: &Command, args: Vec<OsString>) -> Vec<OsString> {
    let Some(name) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    let Some(command) = cli
        .get_subcommands()
        .find(|c| c.get_name() == name && VALUE_COMMANDS.contains(&name))
    else {
        return args;
    };
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let long = |name: &str| {
        command
            .get_arguments()
            .find(|a| a.get_long() == Some(name))
            .map(takes_value)
    };
    let short = |c: char| {
        command
            .get_arguments()
            .find(|a| a.get_short() == Some(c))
            .map(takes_value)
    };
    let mut options = Vec::new();
    let mut values = Vec::new();
    let mut rest = args.iter().skip(2).cloned();
    while let Some(arg) = rest.next() {
        let Some(text) = arg.to_str() else {
            values.push(arg);
            continue;
        };
        if text == "--" {
            values.extend(rest.by_ref());
            break;
        }
        let needs_value = if let Some(name) = text.strip_prefix("--") {
            let (name, inline) = match name.split_once('=') {
                Some((name, _)) => (name, true),
                None => (name, false),
            };
            // An unknown `--word` is left to clap, which names it.
            long(name).unwrap_or(false) && !inline
        } else if let Some(word) = text.strip_prefix('-')
            && !NEGATED_WORDS.contains(&word)
            && let Some(first) = word.chars().next()
            && let Some(takes) = short(first)
            && (first.is_ascii_alphabetic() || first == '?')
        {
            takes && word.len() == 1
        } else {
            values.push(arg);
            continue;
        };
        options.push(arg);
        if needs_value && let Some(value) = rest.next() {
            options.push(value);
        }
    }
    let mut out: Vec<OsString> = args.iter().take(2).cloned().collect();
    out.extend(options);
    out.push(OsString::from("--"));
    out.extend(values);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn cli() -> Command {
        let mut cli = Command::new("jitcall").subcommand(
            Command::new("call")
                .arg(Arg::new("lib").short('l').action(ArgAction::Append))
                .arg(Arg::new("dir").short('I').action(ArgAction::Append))
                .arg(Arg::new("json").long("json").action(ArgAction::SetTrue))
                .arg(Arg::new("fn").long("fn"))
                .arg(Arg::new("args").num_args(0..)),
        );
        cli.build();
        cli
    }

    fn reorder(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        options_first(&cli(), args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn options_move_ahead_of_the_values() {
        assert_eq!(
            reorder(&[
                "j",
                "call",
                "double pow(double, double)",
                "2",
                "10",
                "-l",
                "m"
            ]),
            [
                "j",
                "call",
                "-l",
                "m",
                "--",
                "double pow(double, double)",
                "2",
                "10"
            ]
        );
        assert_eq!(
            reorder(&["j", "call", "f", "--fn", "g", "-lz", "--json", "--fn=h"]),
            [
                "j", "call", "--fn", "g", "-lz", "--json", "--fn=h", "--", "f"
            ]
        );
    }

    #[test]
    fn hyphenated_values_stay_values_and_help_is_an_option() {
        assert_eq!(
            reorder(&[
                "j",
                "call",
                "f",
                "-5",
                "-inf",
                "-(long)7",
                "-0x1p3",
                "-",
                "-h",
                "-INFINITY"
            ]),
            [
                "j",
                "call",
                "-h",
                "--",
                "f",
                "-5",
                "-inf",
                "-(long)7",
                "-0x1p3",
                "-",
                "-INFINITY"
            ]
        );
        // After `--`, even an option's spelling is a value.
        assert_eq!(
            reorder(&["j", "call", "--json", "f", "--", "-l", "--json"]),
            ["j", "call", "--json", "--", "f", "-l", "--json"]
        );
    }

    #[test]
    fn other_commands_are_untouched() {
        assert_eq!(reorder(&["j", "fuzz", "-5"]), ["j", "fuzz", "-5"]);
        assert_eq!(reorder(&["j", "--help"]), ["j", "--help"]);
    }
}
