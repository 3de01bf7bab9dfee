// The fuzz targets: each takes arbitrary bytes, drives one entry point of
// src/io with them and checks what must hold whatever the input (crashes and
// sanitizer reports aside). libFuzzer calls them through
// LLVMFuzzerTestOneInput (libfuzzer_entry.cc, -DLOGSCRIBE_FUZZ=ON with
// clang); tests/reliability/fuzz_corpus_test replays every file of
// fuzz/corpus/<target>/ through them in every build.
//
// Thread contract: not thread-safe (the batch target keeps builders across
// calls, as a CQ thread does); one caller at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace logscribe::fuzz {

// ValidateFileKey(path, filename): the first two bytes (little endian) say
// where path ends and filename begins.
int FileKeyOneInput(const uint8_t* data, size_t size);

// ParseSize, FormatSize and ParseDuration on the input as text.
int SizeSpecOneInput(const uint8_t* data, size_t size);

// BatchBuilder: byte 0 picks the LineFormat; then entries of
// [path length: 1][filename length: 1][line length: 2, little endian]
// followed by those bytes. The request is built both with Add() and with
// Route()/Reserve()/AppendNext(), and both are checked against a plain model.
int BatchBuilderOneInput(const uint8_t* data, size_t size);

// ParseLogBatchWire (src/rpc/batch_wire.h) on the input as a LogStream
// message, against protobuf's parse of the same bytes.
int BatchWireOneInput(const uint8_t* data, size_t size);

}  // namespace logscribe::fuzz
