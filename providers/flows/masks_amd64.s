#include "textflag.h"

// func structMasksAVX2(p *byte, n int, out *blockMasks)
// For each 64-byte block at p: the comma, quote and newline bit masks,
// stored as three uint64 (blockMasks) at out.
TEXT ·structMasksAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	MOVQ $0x2c2c2c2c2c2c2c2c, AX
	MOVQ AX, X10
	VPBROADCASTQ X10, Y10 // ','
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X11
	VPBROADCASTQ X11, Y11 // '"'
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	MOVQ AX, X12
	VPBROADCASTQ X12, Y12 // '\n'
	TESTQ CX, CX
	JZ done

loop:
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VPCMPEQB Y0, Y10, Y2
	VPCMPEQB Y1, Y10, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 0(DI)
	VPCMPEQB Y0, Y11, Y2
	VPCMPEQB Y1, Y11, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 8(DI)
	VPCMPEQB Y0, Y12, Y2
	VPCMPEQB Y1, Y12, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 16(DI)
	ADDQ $64, SI
	ADDQ $24, DI
	DECQ CX
	JNZ loop

done:
	VZEROUPPER
	RET

// func structMasksAVX512(p *byte, n int, out *blockMasks)
// structMasksAVX2 with 64-byte compares into mask registers.
TEXT ·structMasksAVX512(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	MOVQ $0x2c2c2c2c2c2c2c2c, AX
	VPBROADCASTQ AX, Z10 // ','
	MOVQ $0x2222222222222222, AX
	VPBROADCASTQ AX, Z11 // '"'
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	VPBROADCASTQ AX, Z12 // '\n'
	TESTQ CX, CX
	JZ done512

loop512:
	VMOVDQU64 0(SI), Z0
	VPCMPEQB Z10, Z0, K1
	VPCMPEQB Z11, Z0, K2
	VPCMPEQB Z12, Z0, K3
	KMOVQ K1, 0(DI)
	KMOVQ K2, 8(DI)
	KMOVQ K3, 16(DI)
	ADDQ $64, SI
	ADDQ $24, DI
	DECQ CX
	JNZ loop512

done512:
	VZEROUPPER
	RET
