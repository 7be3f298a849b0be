"""City research orders (đặt hàng): from draft to accepted result, with calls, councils and the work."""
