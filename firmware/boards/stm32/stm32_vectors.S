@ The STM32 vector table: stack top, reset, the Cortex-M exceptions, then every peripheral
@ interrupt to stm32_default_handler, which routes by interrupt number (stm32_main.cpp).
        .syntax unified
        .section .isr_vector,"a",%progbits
        .global stm32_vectors
stm32_vectors:
        .word _estack
        .word stm32_reset_handler
        .word stm32_default_handler     @ NMI
        .word stm32_hardfault_handler   @ HardFault
        .word stm32_default_handler     @ MemManage
        .word stm32_default_handler     @ BusFault
        .word stm32_default_handler     @ UsageFault
        .word 0, 0, 0, 0
        .word stm32_default_handler     @ SVCall
        .word stm32_default_handler     @ DebugMon
        .word 0
        .word stm32_default_handler     @ PendSV
        .word stm32_systick_handler
        .rept 82
        .word stm32_default_handler
        .endr
