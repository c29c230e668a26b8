"""Operations: health endpoints for load balancers and orchestrators, request ids and structured JSON logs."""
