"""The application: uvicorn serves `app`."""

from fastapi import FastAPI

from app.api.routes import router

app = FastAPI(title="items", openapi_url="/api/v1/openapi.json")
app.include_router(router, prefix="/api/v1")
