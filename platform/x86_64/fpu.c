/*
 * The user's FPU, SSE and AVX registers.
 *
 * The kernel is compiled without them (-mgeneral-regs-only), so the
 * registers always hold the state of the last user thread that ran here
 * and the kernel never has to save them on its own account.  The policy
 * is eager: context_switch() saves the outgoing user thread's registers
 * and loads the incoming one's (uctx.c).  Lazy switching with CR0.TS
 * would save a few saves when kernel threads run in between, at the price
 * of a #NM trap per first use and the speculative leak that made Linux
 * drop it; with XSAVE's init optimisation the eager copy is cheap.
 *
 * Where CPUID offers XSAVE, the kernel enables x87, SSE and (when
 * present) AVX in XCR0 and sizes the save area from CPUID leaf 0xD for
 * exactly those; otherwise FXSAVE's fixed 512-byte area is used.  Every
 * x86-64 CPU has FXSR and SSE2, so there is always one of the two.
 * CR0.EM off and CR0.MP, CR0.NE on give native x87 error reporting
 * (#MF); CR4.OSFXSR and OSXMMEXCPT let user code run SSE and receive
 * #XM for unmasked SIMD exceptions.
 */
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "uctx_md.h"

#define CR0_MP		(1ul << 1)
#define CR0_EM		(1ul << 2)
#define CR0_TS		(1ul << 3)
#define CR0_NE		(1ul << 5)
#define CR4_OSFXSR	(1ul << 9)
#define CR4_OSXMMEXCPT	(1ul << 10)
#define CR4_OSXSAVE	(1ul << 18)

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX	(1u << 28)

#define XCR0_X87	0x1ull
#define XCR0_SSE	0x2ull
#define XCR0_AVX	0x4ull

#define FXSAVE_SIZE	512
#define FX_FCW		0	/* offsets in the legacy region */
#define FX_MXCSR	24
#define FCW_INIT	0x037f
#define MXCSR_INIT	0x1f80

static bool use_xsave;		/* [i] XSAVE/XRSTOR, else FXSAVE/FXRSTOR */
static uint64_t xcr0;		/* [i] features enabled (use_xsave) */
static size_t area_size = FXSAVE_SIZE;	/* [i] */

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v),
	    "d"((uint32_t)(v >> 32)));
}

/* Control-register bits on this CPU; XCR0 when XSAVE is in use. */
static void fpu_enable(void)
{
	uint64_t cr0 = rcr0(), cr4 = rcr4();

	cr0 &= ~(CR0_EM | CR0_TS);
	cr0 |= CR0_MP | CR0_NE;
	lcr0(cr0);
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	lcr4(cr4);
	if (use_xsave)
		xsetbv(0, xcr0);
	__asm__ volatile("fninit");
}

/* Boot CPU: choose XSAVE or FXSAVE, the features and the area size. */
void fpu_init(void)
{
	uint32_t a, b, c, d, max, ecx1, supported;

	cpuid(0, 0, &max, &b, &c, &d);
	cpuid(1, 0, &a, &b, &ecx1, &d);
	if ((ecx1 & CPUID1_ECX_XSAVE) && max >= 0xd) {
		cpuid(0xd, 0, &supported, &b, &c, &d);
		use_xsave = true;
		xcr0 = XCR0_X87 | XCR0_SSE;
		if ((ecx1 & CPUID1_ECX_AVX) && (supported & XCR0_AVX))
			xcr0 |= XCR0_AVX;
	}
	fpu_enable();
	if (use_xsave) {
		cpuid(0xd, 0, &a, &b, &c, &d);	/* ebx: size for XCR0 now */
		area_size = b;
	}
	printk("cpu0: user FPU state by %s, %zu bytes (xcr0 %#lx)\n",
	    use_xsave ? "XSAVE" : "FXSAVE", area_size, xcr0);
}

/* Another CPU: the same choices (CR0 and CR4 are copied, XCR0 is not). */
void fpu_init_ap(void)
{
	fpu_enable();
}

size_t fpu_area_size(void)
{
	return area_size;
}

/*
 * The state execve starts with.  An XSAVE header of zeros marks every
 * component as in its initial state (x87 then gets FCW 0x37f); MXCSR is
 * always taken from the legacy region, so it is set there for both.
 */
void fpu_area_reset(void *area)
{
	uint16_t fcw = FCW_INIT;
	uint32_t mxcsr = MXCSR_INIT;

	memset(area, 0, area_size);
	memcpy((char *)area + FX_FCW, &fcw, sizeof(fcw));
	memcpy((char *)area + FX_MXCSR, &mxcsr, sizeof(mxcsr));
}

void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(area),
		    "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area),
		    "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}
