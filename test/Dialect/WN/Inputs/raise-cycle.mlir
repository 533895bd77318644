// A linalg op that reads its own result: legal in a graph region.
%w = linalg.add ins(%w, %w : tensor<4xf32>, tensor<4xf32>) outs(%w : tensor<4xf32>) -> tensor<4xf32>
