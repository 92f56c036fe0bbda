//! Enums whose variants have one name each, used in JSON, URLs and on the command line.
//!
//! [`named_enum!`] declares the enum and derives `name()`, `ALL`, `NAMES`, `Display`, `FromStr`
//! and serde from that one list of names, so the JSON spelling, the URL spelling and the CLI
//! spelling cannot drift apart.

use alloc::string::String;
use core::fmt;

/// A name that is not one of an enum's names; the message lists the choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What was being named, e.g. `model`.
    pub what: &'static str,
    /// The name given.
    pub given: String,
    /// Every accepted name.
    pub choices: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a known {}; choose one of ", self.given, self.what)?;
        for (i, c) in self.choices.iter().enumerate() {
            f.write_str(if i == 0 { "" } else { ", " })?;
            f.write_str(c)?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownName {}

/// An enum with one name per variant (implemented by the crate-private `named_enum!` macro).
pub trait Named: Copy + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The names of [`Named::ALL`], in the same order.
    const NAMES: &'static [&'static str];
    /// This variant's name.
    fn name(self) -> &'static str;
}

/// Declares `enum $name { Variant = "name", … }` with [`Named`], `Display`, `FromStr`
/// (error: [`UnknownName`]) and serde (as the name string). `$what` is the noun used in
/// error messages.
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($what:literal) {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::catalog::Named for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const NAMES: &'static [&'static str] = &[$($text),+];
            fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($crate::catalog::Named::name(*self))
            }
        }

        impl core::str::FromStr for $name {
            type Err = $crate::catalog::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::catalog::UnknownName {
                        what: $what,
                        given: s.into(),
                        choices: <$name as $crate::catalog::Named>::NAMES,
                    }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::catalog::Named::name(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        write!(f, "one of {:?}", <$name as $crate::catalog::Named>::NAMES)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}
pub(crate) use named_enum;
