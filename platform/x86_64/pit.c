/*
 * The 8254 programmable interval timer, used only as a known-frequency
 * reference to calibrate the TSC and the local APIC timer at boot.
 * Channel 2 is used because its gate and output are readable through port
 * 0x61 without interrupts: load a count in mode 0 ("interrupt on terminal
 * count") and poll OUT2, which rises when the count reaches zero.
 */
#include "cpufunc.h"
#include "x86.h"

#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_PORT_B	0x61	/* bit 0 gate 2, bit 1 speaker, bit 5 OUT2 */

#define PORT_B_GATE2	0x01
#define PORT_B_SPEAKER	0x02
#define PORT_B_OUT2	0x20
#define CMD_CH2_MODE0	0xb0	/* channel 2, lobyte/hibyte, mode 0, binary */

/* Start channel 2 counting down ticks (at PIT_HZ) from now. */
void pit_oneshot_start(uint16_t ticks)
{
	uint8_t b = inb(PIT_PORT_B);

	/* Gate on, speaker off; OUT2 goes low when the mode is set. */
	outb(PIT_PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, CMD_CH2_MODE0);
	outb(PIT_CH2, ticks & 0xff);
	outb(PIT_CH2, ticks >> 8);
}

/* True once the count started by pit_oneshot_start() reached zero. */
bool pit_oneshot_done(void)
{
	return (inb(PIT_PORT_B) & PORT_B_OUT2) != 0;
}
