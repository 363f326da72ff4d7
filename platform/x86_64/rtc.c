/*
 * The CMOS real-time clock, read once for the wall-clock time at boot
 * (contract/clock.h: clock_boot_epoch_ns).  The core keeps time with
 * clock_ns() from then on, so the RTC's one-second resolution only
 * offsets CLOCK_REALTIME; it never makes it jump.
 *
 * The RTC updates its registers once a second; a read that straddles an
 * update can mix two seconds, so we read until two passes agree, each
 * started while the "update in progress" flag is clear.  Registers are
 * BCD unless status register B says binary, and the hour carries a PM
 * bit in 12-hour mode.  PC firmware keeps the RTC in UTC for Linux (a
 * Windows machine keeps local time; we cannot tell and assume UTC).
 */
#include "contract/clock.h"
#include "cpufunc.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71

#define RTC_SEC		0x00
#define RTC_MIN		0x02
#define RTC_HOUR	0x04
#define RTC_DAY		0x07
#define RTC_MON		0x08
#define RTC_YEAR	0x09
#define RTC_STATUS_A	0x0a
#define RTC_STATUS_B	0x0b
#define RTC_CENTURY	0x32	/* the usual FADT century register */

#define STA_UIP		0x80	/* update in progress */
#define STB_24H		0x02
#define STB_BINARY	0x04
#define HOUR_PM		0x80

struct rtc_time {
	unsigned sec, min, hour, day, mon, year, century;
};

static uint64_t boot_epoch_ns;		/* 0 until the first read */

/* Bit 7 of the index would mask the chipset's NMI line: leave it clear. */
static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static void rtc_read_raw(struct rtc_time *t)
{
	unsigned spins;

	/* An update takes under 2 ms; a stuck flag (no RTC) must not hang us. */
	for (spins = 0; spins < 1000000; spins++) {
		if (!(cmos_read(RTC_STATUS_A) & STA_UIP))
			break;
	}
	t->sec = cmos_read(RTC_SEC);
	t->min = cmos_read(RTC_MIN);
	t->hour = cmos_read(RTC_HOUR);
	t->day = cmos_read(RTC_DAY);
	t->mon = cmos_read(RTC_MON);
	t->year = cmos_read(RTC_YEAR);
	t->century = cmos_read(RTC_CENTURY);
}

static bool rtc_same(const struct rtc_time *a, const struct rtc_time *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour &&
	    a->day == b->day && a->mon == b->mon && a->year == b->year &&
	    a->century == b->century;
}

static unsigned bcd(unsigned v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (400-year eras). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static uint64_t rtc_epoch_ns(void)
{
	struct rtc_time a, b;
	unsigned tries;
	uint8_t stb;
	unsigned hour, year;
	bool pm;
	int64_t days, secs;

	rtc_read_raw(&a);
	for (tries = 0; tries < 10; tries++) {
		rtc_read_raw(&b);
		if (rtc_same(&a, &b))
			break;
		a = b;
	}
	stb = cmos_read(RTC_STATUS_B);
	pm = (a.hour & HOUR_PM) != 0;
	a.hour &= ~(unsigned)HOUR_PM;
	if (!(stb & STB_BINARY)) {
		a.sec = bcd(a.sec);
		a.min = bcd(a.min);
		a.hour = bcd(a.hour);
		a.day = bcd(a.day);
		a.mon = bcd(a.mon);
		a.year = bcd(a.year);
		a.century = bcd(a.century);
	}
	hour = a.hour;
	if (!(stb & STB_24H))
		hour = hour % 12 + (pm ? 12 : 0);
	/* Firmware without a century register: years 00-69 are 20xx. */
	if (a.century >= 19 && a.century <= 99)
		year = a.century * 100 + a.year;
	else
		year = a.year < 70 ? 2000 + a.year : 1900 + a.year;
	if (a.mon < 1 || a.mon > 12 || a.day < 1 || a.day > 31)
		return 0;
	days = days_from_civil(year, a.mon, a.day);
	secs = days * 86400 + hour * 3600 + a.min * 60 + a.sec;
	if (secs < 0)
		return 0;
	return (uint64_t)secs * 1000000000u;
}

/*
 * The RTC is read on the first call (the core's first use of the wall
 * clock) and remembered, so CLOCK_REALTIME is one offset from clock_ns().
 * Racing first calls read the same second and agree, but the CAS keeps
 * whichever value landed first so later readers never see it change.
 */
uint64_t clock_boot_epoch_ns(void)
{
	uint64_t v = __atomic_load_n(&boot_epoch_ns, __ATOMIC_ACQUIRE);
	uint64_t now, since, zero = 0;

	if (v != 0)
		return v;
	now = rtc_epoch_ns();
	since = clock_ns();
	v = now > since ? now - since : 1;
	if (!__atomic_compare_exchange_n(&boot_epoch_ns, &zero, v, false,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		v = zero;
	return v;
}
