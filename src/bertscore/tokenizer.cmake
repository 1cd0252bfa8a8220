# tokenizer.cmake -- the WordPiece tokenizer as static library qaflow_tokenizer (included by src/bertscore/CMakeLists.txt).
include_guard(GLOBAL)

pkg_check_modules(QAFLOW_TOKENIZER_DEPS REQUIRED IMPORTED_TARGET GLOBAL libutf8proc jansson)

# Sources, for a part that prefers to compile them into its own library.
set(QAFLOW_TOKENIZER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.c
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer_unicode.c
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer_vocab.c
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer_model.c)

add_library(qaflow_tokenizer STATIC ${QAFLOW_TOKENIZER_SOURCES})
target_include_directories(qaflow_tokenizer PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(qaflow_tokenizer PUBLIC PkgConfig::QAFLOW_TOKENIZER_DEPS)
