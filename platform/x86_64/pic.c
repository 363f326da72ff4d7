/*
 * The legacy 8259 interrupt controller pair.  The local APIC delivers
 * device interrupts from now on, but the 8259s still exist: they are
 * remapped away from the exception vectors (their power-on vectors 8..15
 * collide with #DF..#PF) and masked, except for the few legacy IRQs the
 * kernel takes on a machine without an I/O APIC (the serial port).
 * Their output reaches the boot CPU through LINT0 in ExtINT mode.  When
 * the MADT lists an I/O APIC, ioapic.c routes every legacy line and
 * retires the 8259s with pic_disable(): all lines masked for good.
 */
#include "cpufunc.h"
#include "kern/printk.h"
#include "trap.h"
#include "x86.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

#define ICW1_INIT_ICW4	0x11	/* edge triggered, cascade, ICW4 follows */
#define ICW4_8086	0x01
#define OCW2_EOI	0x20
#define OCW3_READ_ISR	0x0b
#define CASCADE_IRQ	2

static uint16_t pic_mask = 0xffff;	/* bit per IRQ: 1 = masked */
static bool pic_disabled;		/* an I/O APIC took over */

/* Load pic_mask into both PICs' mask registers. */
static void pic_write_mask(void)
{
	outb(PIC1_DATA, pic_mask & 0xff);
	outb(PIC2_DATA, pic_mask >> 8);
}

/* Remap both PICs to IRQ_PIC_BASE.. and mask every line. */
void pic_init(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_PIC_BASE);
	outb(PIC2_DATA, IRQ_PIC_BASE + 8);
	outb(PIC1_DATA, 1 << CASCADE_IRQ);	/* slave on IRQ 2 */
	outb(PIC2_DATA, CASCADE_IRQ);		/* slave's cascade identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	pic_mask = 0xffff;
	pic_write_mask();
}

/*
 * Mask every line for good: the I/O APIC delivers legacy interrupts now.
 * A spurious IRQ 7 or 15 may still arrive and is ignored by pic_eoi().
 */
void pic_disable(void)
{
	pic_disabled = true;
	pic_mask = 0xffff;
	pic_write_mask();
}

/* Let irq through (and the cascade, for the slave's lines). */
void pic_unmask(unsigned irq)
{
	if (pic_disabled)
		panic("pic_unmask: IRQ %u, but the I/O APIC routes IRQs", irq);
	pic_mask &= (uint16_t)~(1u << irq);
	if (irq >= 8)
		pic_mask &= (uint16_t)~(1u << CASCADE_IRQ);
	pic_write_mask();
}

/* The in-service register of the PIC at cmd. */
static uint8_t pic_isr(uint16_t cmd)
{
	outb(cmd, OCW3_READ_ISR);
	return inb(cmd);
}

/*
 * Acknowledge irq.  IRQ 7 and 15 may be spurious (the line dropped before
 * the CPU acknowledged): then the ISR bit is clear and no EOI is due,
 * except the master's for a spurious slave IRQ.
 */
bool pic_eoi(unsigned irq)
{
	if (irq == 7 && !(pic_isr(PIC1_CMD) & 0x80))
		return false;
	if (irq == 15 && !(pic_isr(PIC2_CMD) & 0x80)) {
		outb(PIC1_CMD, OCW2_EOI);
		return false;
	}
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
	return true;
}
