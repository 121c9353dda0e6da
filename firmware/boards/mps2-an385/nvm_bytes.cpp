// The NVM write primitive of the product image: one byte stored (PSRAM: a plain store; a flash part would
// program the byte here). Kept in its own file so the kill-during-save test image can link its own version.
#include "board.hpp"

namespace board {

void nvm_store_byte(volatile std::uint8_t* address, std::uint8_t value) { *address = value; }

}  // namespace board
