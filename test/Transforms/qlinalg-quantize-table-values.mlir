// Table values of the wrong JSON type must be reported as such. Today a
// non-numeric "min" is reported as a "min" without a "max", and a non-numeric
// "scale" as a missing scale. The messages are not pinned down beyond what
// they must mention.
//
// RUN: split-file %s %t
// RUN: qlinalg-opt %t/min-not-a-number.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/min-not-a-number.json"
// RUN: qlinalg-opt %t/scale-not-a-number.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/scale-not-a-number.json"

//--- min-not-a-number.mlir
// Tests that a non-numeric "min" ("-1.0", a string) is reported as not a
// number, not as a min without a max.
// expected-error-re @+1 {{Inputs/min-not-a-number.json: tensor 't0': {{.*}}'min'{{.*}}number}}
module {
}

//--- scale-not-a-number.mlir
// Tests that a non-numeric "scale" ("0.1", a string) is reported as not a
// number, not as a missing scale.
// expected-error-re @+1 {{Inputs/scale-not-a-number.json: tensor 't0': {{.*}}'scale'{{.*}}number}}
module {
}
