# Cross toolchain: avr-gcc (Debian gcc-avr 5.4 + avr-libc).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR avr)
set(CMAKE_C_COMPILER avr-gcc)
set(CMAKE_CXX_COMPILER avr-g++)
set(CMAKE_ASM_COMPILER avr-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KPP_FW_OBJCOPY avr-objcopy)
set(KPP_FW_SIZE avr-size)
