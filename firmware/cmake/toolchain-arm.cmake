# Cross toolchain: arm-none-eabi-gcc (Debian gcc-arm-none-eabi 12 + newlib).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KPP_FW_OBJCOPY arm-none-eabi-objcopy)
set(KPP_FW_SIZE arm-none-eabi-size)
