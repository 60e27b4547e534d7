//! The `Date` header value (RFC 9110 IMF-fixdate), cached per thread and
//! refreshed once a second, and the Common Log Format timestamp.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) const DATE_LEN: usize = 29;

const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Broken-down UTC time.
pub(crate) struct Civil {
    pub year: i64,
    pub month: usize, // 1..=12
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub weekday: usize, // 0 = Thursday (1970-01-01)
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Converts seconds since the epoch to a civil UTC date (Howard Hinnant's
/// days-from-civil inverse).
pub(crate) fn civil(secs: u64) -> Civil {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as usize;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: (rem / 60 % 60) as u32,
        second: (rem % 60) as u32,
        weekday: days.rem_euclid(7) as usize,
    }
}

fn two(out: &mut [u8], n: u32) {
    out[0] = b'0' + (n / 10 % 10) as u8;
    out[1] = b'0' + (n % 10) as u8;
}

/// Formats `secs` as an IMF-fixdate.
pub(crate) fn http_date(secs: u64) -> [u8; DATE_LEN] {
    let c = civil(secs);
    let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    out[..3].copy_from_slice(DAYS[c.weekday]);
    two(&mut out[5..7], c.day);
    out[8..11].copy_from_slice(MONTHS[c.month - 1]);
    let y = c.year.clamp(0, 9999) as u32;
    two(&mut out[12..14], y / 100);
    two(&mut out[14..16], y % 100);
    two(&mut out[17..19], c.hour);
    two(&mut out[20..22], c.minute);
    two(&mut out[23..25], c.second);
    out
}

/// The CLF timestamp: `10/Oct/2000:13:55:36 +0000`.
#[cfg(test)]
pub(crate) fn clf_date(secs: u64) -> String {
    let mut out = String::new();
    clf_date_into(&mut out, secs);
    out
}

/// Appends the CLF timestamp of `secs` to `out`.
pub(crate) fn clf_date_into(out: &mut String, secs: u64) {
    use std::fmt::Write as _;
    let c = civil(secs);
    let month = std::str::from_utf8(MONTHS[c.month - 1]).unwrap_or("???");
    let _ = write!(
        out,
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        c.day, month, c.year, c.hour, c.minute, c.second
    );
}

thread_local! {
    static CACHE: RefCell<(u64, [u8; DATE_LEN])> = const { RefCell::new((u64::MAX, [0; DATE_LEN])) };
}

/// Appends the current `Date` value (cached per thread, refreshed when the
/// second changes) to `out`.
pub(crate) fn append_now(out: &mut Vec<u8>) {
    let secs = now_secs();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != secs {
            *cache = (secs, http_date(secs));
        }
        out.extend_from_slice(&cache.1);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(&http_date(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(&http_date(784_111_777), b"Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(&http_date(951_782_400), b"Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(clf_date(971_185_336), "10/Oct/2000:13:42:16 +0000");
    }
}
