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

DATA byteIndex<>+0(SB)/8, $0x0706050403020100
DATA byteIndex<>+8(SB)/8, $0x0f0e0d0c0b0a0908
DATA byteIndex<>+16(SB)/8, $0x1716151413121110
DATA byteIndex<>+24(SB)/8, $0x1f1e1d1c1b1a1918
DATA byteIndex<>+32(SB)/8, $0x2726252423222120
DATA byteIndex<>+40(SB)/8, $0x2f2e2d2c2b2a2928
DATA byteIndex<>+48(SB)/8, $0x3736353433323130
DATA byteIndex<>+56(SB)/8, $0x3f3e3d3c3b3a3938
GLOBL byteIndex<>(SB), RODATA|NOPTR, $64

// func tokBlocksAVX512(p *byte, n int, base int32, ends *int32, out *blockOut, st *quoteState) (blocks, nends int)
// The tokenizer's fast path over n whole 64-byte blocks at p (see
// tokenizer.fast): for each block, the commas, quotes and newlines are
// marked, the quote parity (a carry-less multiply) gives what is inside
// quoted fields, and the offsets (base + byte) of the separators outside
// them are stored at ends; out gets the block's masks and the quote state
// after it. It stops before a block with a quote that is not plainly
// sound (left to the Go code). st holds the quote state in and out.
TEXT ·tokBlocksAVX512(SB), NOSPLIT, $0-64
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL base+16(FP), AX
	MOVQ ends+24(FP), DI
	MOVQ out+32(FP), R8
	MOVQ st+40(FP), R9
	MOVQ 0(R9), R13 // inq: all ones inside quotes at the block start
	MOVQ 8(R9), R14 // prevOK: 1 when the byte before is a separator or a quote
	VPBROADCASTD AX, Z3
	MOVL $64, AX
	VPBROADCASTD AX, Z9
	MOVQ $0x2c2c2c2c2c2c2c2c, AX
	VPBROADCASTQ AX, Z10 // ','
	MOVQ $0x2222222222222222, AX
	VPBROADCASTQ AX, Z11 // '"'
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	VPBROADCASTQ AX, Z12 // '\n'
	VMOVDQU8 byteIndex<>(SB), Z1
	MOVQ $-1, AX
	VMOVQ AX, X14
	XORQ BX, BX
	TESTQ CX, CX
	JZ tokdone

tokloop:
	VMOVQ R14, X13 // the state before this block, if it stops here
	VMOVDQU8 (SI), Z0
	VPCMPEQB Z10, Z0, K1
	VPCMPEQB Z11, Z0, K2
	VPCMPEQB Z12, Z0, K3
	KMOVQ K1, R10 // commas
	KMOVQ K2, R11 // quotes
	KMOVQ K3, R12 // newlines
	VMOVQ R11, X2
	VPCLMULQDQ $0x00, X14, X2, X2 // VEX encoded: no SSE/AVX transitions
	VMOVQ X2, AX
	XORQ R13, AX // inside quotes
	ORQ R12, R10 // separators (commas and newlines)
	MOVQ R10, R9
	ORQ R11, R9 // separators and quotes
	MOVQ R9, DX
	SHLQ $1, DX
	ORQ R14, DX // bytes after a separator or a quote
	MOVQ R11, R14
	ANDQ AX, R14 // opening quotes
	ANDNQ R14, DX, R14 // opening quotes not at a field start nor doubled
	ANDNQ R11, AX, DX // closing quotes
	SHRQ $1, R9
	ANDNQ DX, R9, DX // closing quotes not before a separator or a quote
	ORQ DX, R14
	TESTQ R14, R14
	JNZ tokstop
	MOVQ AX, R13
	SARQ $63, R13 // inside at the block end
	ANDNQ R10, AX, R10 // separators outside quotes
	MOVQ R10, R14
	ORQ R11, R14
	SHRQ $63, R14 // prevOK for the next block
	ANDNQ R12, AX, DX // newlines outside quotes
	MOVQ R10, 0(R8)
	MOVQ DX, 8(R8)
	MOVQ R12, 16(R8)
	MOVQ R14, AX
	SHLQ $1, AX
	MOVQ R13, R9
	ANDQ $1, R9
	ORQ R9, AX
	MOVQ AX, 24(R8)
	KMOVQ R10, K1
	VPCOMPRESSB Z1, K1, Z2
	POPCNTQ R10, AX
	VPMOVZXBD X2, Z4
	VPADDD Z3, Z4, Z4
	VMOVDQU32 Z4, (DI)
	CMPQ AX, $16
	JLE tokwrote
	VEXTRACTI32X4 $1, Z2, X5
	VPMOVZXBD X5, Z4
	VPADDD Z3, Z4, Z4
	VMOVDQU32 Z4, 64(DI)
	CMPQ AX, $32
	JLE tokwrote
	VEXTRACTI32X4 $2, Z2, X5
	VPMOVZXBD X5, Z4
	VPADDD Z3, Z4, Z4
	VMOVDQU32 Z4, 128(DI)
	CMPQ AX, $48
	JLE tokwrote
	VEXTRACTI32X4 $3, Z2, X5
	VPMOVZXBD X5, Z4
	VPADDD Z3, Z4, Z4
	VMOVDQU32 Z4, 192(DI)

tokwrote:
	LEAQ (DI)(AX*4), DI
	VPADDD Z9, Z3, Z3
	ADDQ $64, SI
	ADDQ $32, R8
	INCQ BX
	DECQ CX
	JNZ tokloop
	JMP tokdone

tokstop:
	VMOVQ X13, R14

tokdone:
	MOVQ st+40(FP), R9
	MOVQ R13, 0(R9)
	MOVQ R14, 8(R9)
	MOVQ BX, blocks+48(FP)
	MOVQ ends+24(FP), AX
	SUBQ AX, DI
	SHRQ $2, DI
	MOVQ DI, nends+56(FP)
	VZEROUPPER
	RET
